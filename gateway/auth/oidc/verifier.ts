// Verifies an ID token the way a relying party must (OIDC Core 3.1.3.7):
// parse, allow-listed alg, issuer and audience (cheap checks first, so a token
// for someone else never costs a key fetch), the signature against the
// provider's JWKS, expiry with a small skew, the nonce of a sign-in; then maps
// its claims to the Kubernetes user.
import { PodprofError } from '../../../src/errors.ts';
import type { User } from '../user.ts';
import { checkClaims, type ClaimMapping, type ClaimRules } from './claims.ts';
import { userOfClaims } from './claims.ts';
import type { JwksCache } from './jwks.ts';
import { parseJwt } from './jwt.ts';
import { ALLOWED_ALGS, isAllowedAlg, keyFits, verifies } from './keys.ts';

export interface Verified {
  readonly user: User;
  /** Expiry, ms since the epoch. */
  readonly expiresAt: number;
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface VerifierOptions extends ClaimRules, ClaimMapping {
  readonly jwks: JwksCache;
  readonly now?: () => number;
}

const invalid = (why: string): PodprofError => new PodprofError('PODPROF_TOKEN_INVALID', `the ID token was not accepted: ${why}`);

export class IdTokenVerifier {
  constructor(private readonly o: VerifierOptions) {}

  get issuer(): string {
    return this.o.issuer;
  }

  async verify(token: string, nonce?: string): Promise<Verified> {
    const jwt = parseJwt(token);
    const { alg, kid, crit } = jwt.header;
    if (!isAllowedAlg(alg)) throw invalid(`alg ${JSON.stringify(alg)} is not one podprof accepts (${ALLOWED_ALGS.join(', ')})`);
    if (crit !== undefined) throw invalid('it names critical header extensions podprof does not know (crit)');
    const now = (this.o.now ?? Date.now)();
    // Issuer, audience and times first: a token for someone else never makes the gateway fetch keys.
    const exp = checkClaims(jwt.claims, this.o, now, nonce);
    if (kid !== undefined && typeof kid !== 'string') throw invalid('its kid is not a string');
    const keys = (await this.o.jwks.keysFor(kid ?? '')).filter((k) => keyFits(k.jwk, alg));
    if (keys.length === 0) throw invalid(`the provider's key ${JSON.stringify(kid ?? '')} is not a key for ${alg}`);
    if (!keys.some((k) => verifies(alg, k.key, jwt.signed, jwt.signature))) throw invalid('its signature does not verify');
    return { user: userOfClaims(jwt.claims, this.o), expiresAt: exp * 1000, claims: jwt.claims };
  }
}
