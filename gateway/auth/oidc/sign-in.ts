// OIDC sign-in for the gateway: the provider, its cached keys, the ID-token
// verifier, and the two steps of the browser's authorization-code flow.
// A session made here re-checks (every --session-recheck, on whichever replica
// the user reaches) with the credential sealed in its record (auth/session.ts):
// the refresh token, which brings a fresh ID token, verified again, with the
// user's current groups; a provider that refuses the refresh ends the session.
// Replicas never write a session record back (a re-check must not undo a
// logout), so a provider that rotates refresh tokens and revokes the old one
// ends the session at its second re-check. Without a refresh token the
// credential is the ID token itself, and the session ends at the first
// re-check after its expiry.
import { PodprofError } from '../../../src/errors.ts';
import type { User } from '../user.ts';
import type { ClaimMapping } from './claims.ts';
import { authorizeUrl, newSignIn, open, seal, type SignIn } from './flow.ts';
import { JwksCache } from './jwks.ts';
import { ProviderClient } from './provider.ts';
import { IdTokenVerifier } from './verifier.ts';

export interface OidcOptions extends ClaimMapping {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly ca?: Buffer;
  readonly scopes: readonly string[];
  readonly skewSeconds: number;
  readonly jwksRefreshMs: number;
  /** 32 bytes sealing the sign-in cookie (read at each sign-in: the shared key may load after the gateway starts). */
  readonly stateKey: () => Buffer;
}

export interface Finished {
  readonly user: User;
  /** What the session's re-check uses (sealed in its record): `OIDC-Refresh …` or `Bearer <ID token>`. */
  readonly credential: string;
  readonly next: string;
}

const REFRESH = 'OIDC-Refresh ';

const failed = (why: string): PodprofError => new PodprofError('PODPROF_OIDC_SIGN_IN_FAILED', why);

export class OidcSignIn {
  readonly provider: ProviderClient;
  readonly jwks: JwksCache;
  readonly verifier: IdTokenVerifier;

  constructor(private readonly o: OidcOptions) {
    this.provider = new ProviderClient(o.issuer, o.ca);
    this.jwks = new JwksCache({ fetch: () => this.provider.jwks(), minRefreshMs: o.jwksRefreshMs });
    this.verifier = new IdTokenVerifier({ ...o, jwks: this.jwks });
  }

  get issuer(): string {
    return this.o.issuer;
  }

  get clientId(): string {
    return this.o.clientId;
  }

  get scopes(): readonly string[] {
    return this.o.scopes;
  }

  /** Step 1: where to send the browser, and the sealed cookie to set. */
  async start(next: unknown, redirectUri: string, now = Date.now()): Promise<{ location: string; cookie: string }> {
    const d = await this.provider.discover();
    const s = newSignIn(next, now);
    const location = authorizeUrl({
      authorizationEndpoint: d.authorization_endpoint,
      clientId: this.o.clientId,
      redirectUri,
      scopes: this.o.scopes,
      ...s,
    });
    return { location, cookie: seal(this.o.stateKey(), s) };
  }

  /** Step 2: the provider's redirect back, checked against the cookie; the code exchanged and the ID token verified. */
  async finish(query: Record<string, unknown>, cookie: string | undefined, redirectUri: string, now = Date.now()): Promise<Finished> {
    const s: SignIn = open(this.o.stateKey(), cookie, now);
    if (typeof query.state !== 'string' || query.state !== s.state) throw failed('the state the provider sent back is not this sign-in’s');
    if (typeof query.error === 'string')
      throw failed(
        `the provider refused: ${query.error}${typeof query.error_description === 'string' ? ` (${query.error_description.slice(0, 200)})` : ''}`,
      );
    if (typeof query.code !== 'string' || query.code === '') throw failed('the provider sent no code');
    const answer = await this.provider.token(
      { grant_type: 'authorization_code', code: query.code, redirect_uri: redirectUri, code_verifier: s.verifier },
      this.o.clientId,
      this.o.clientSecret,
    );
    if (answer.status !== 200 || typeof answer.id_token !== 'string')
      throw failed(`the provider did not exchange the code (${answer.status}${answer.error ? ` ${answer.error}` : ''})`);
    const v = await this.verifier.verify(answer.id_token, s.nonce);
    const credential =
      typeof answer.refresh_token === 'string' && answer.refresh_token !== ''
        ? `${REFRESH}${answer.refresh_token}`
        : `Bearer ${answer.id_token}`;
    return { user: v.user, credential, next: s.next };
  }

  /** Whether a session's credential is a refresh token of this provider's (else it is an ID token for the authenticator). */
  ownsCredential(credential: string): boolean {
    return credential.startsWith(REFRESH);
  }

  /** A session's re-check by its refresh token: the user as a fresh ID token says, or undefined when the provider refuses. */
  async recheck(credential: string): Promise<User | undefined> {
    const a = await this.provider.token(
      { grant_type: 'refresh_token', refresh_token: credential.slice(REFRESH.length) },
      this.o.clientId,
      this.o.clientSecret,
    );
    if (a.status !== 200 || typeof a.id_token !== 'string') return undefined;
    return (await this.verifier.verify(a.id_token)).user;
  }
}
