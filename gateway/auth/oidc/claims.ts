// The checks an ID token's claims must pass (pure): issuer, audience (podprof's
// client id), expiry and not-before with a small clock skew, the nonce of a
// sign-in; and the mapping of its claims to a Kubernetes user, as the API
// server's structured authentication config maps them (claimMappings: a
// username claim with a prefix, a groups claim with a prefix), so RBAC names
// the same user and groups the API server does.
import { PodprofError } from '../../../src/errors.ts';
import type { User } from '../user.ts';

export interface ClaimRules {
  readonly issuer: string;
  readonly clientId: string;
  /** Allowed clock difference with the provider, seconds. */
  readonly skewSeconds: number;
}

export interface ClaimMapping {
  readonly usernameClaim: string;
  readonly usernamePrefix: string;
  readonly groupsClaim: string;
  readonly groupsPrefix: string;
}

const invalid = (why: string): PodprofError => new PodprofError('PODPROF_TOKEN_INVALID', `the ID token was not accepted: ${why}`);

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A string or a list of strings as a list; anything else: undefined. */
function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return v;
  return undefined;
}

function checkAudience(c: Readonly<Record<string, unknown>>, r: ClaimRules): void {
  const aud = strings(c.aud) ?? [];
  if (!aud.includes(r.clientId)) {
    throw new PodprofError(
      'PODPROF_TOKEN_WRONG_AUDIENCE',
      `the ID token is for client ${aud.map((a) => JSON.stringify(a)).join(', ') || '(none)'}, not for podprof's client id ${r.clientId}`,
    );
  }
  // OIDC Core 3.1.3.7: with several audiences, azp names the client the token was issued to.
  if (aud.length > 1 && c.azp !== undefined && c.azp !== r.clientId)
    throw new PodprofError(
      'PODPROF_TOKEN_WRONG_AUDIENCE',
      `the ID token was issued to client ${JSON.stringify(c.azp)} (azp), not to ${r.clientId}`,
    );
}

/** Throws the first rule the claims break; returns the expiry (seconds since the epoch). */
export function checkClaims(c: Readonly<Record<string, unknown>>, r: ClaimRules, nowMs: number, nonce?: string): number {
  if (c.iss !== r.issuer) throw invalid(`it was issued by ${JSON.stringify(c.iss)}, not by ${r.issuer} (--oidc-issuer)`);
  checkAudience(c, r);
  const now = nowMs / 1000;
  const exp = num(c.exp);
  if (exp === undefined) throw invalid('it has no exp');
  if (now > exp + r.skewSeconds)
    throw new PodprofError('PODPROF_TOKEN_EXPIRED', `the ID token expired at ${new Date(exp * 1000).toISOString()}`);
  const nbf = num(c.nbf);
  if (nbf !== undefined && now + r.skewSeconds < nbf) throw invalid(`it is not valid before ${new Date(nbf * 1000).toISOString()}`);
  const iat = num(c.iat);
  if (iat !== undefined && now + r.skewSeconds < iat) throw invalid('it was issued in the future (check the clocks)');
  if (nonce !== undefined && c.nonce !== nonce) throw invalid('its nonce is not the one this sign-in sent');
  return exp;
}

/** The user the claims name, as the API server would map them. */
export function userOfClaims(c: Readonly<Record<string, unknown>>, m: ClaimMapping): User {
  const name = c[m.usernameClaim];
  if (typeof name !== 'string' || name === '') throw invalid(`it has no ${m.usernameClaim} claim (--oidc-username-claim) as a string`);
  // As the API server does: a username taken from email needs the email verified, when the token says.
  if (m.usernameClaim === 'email' && c.email_verified !== undefined && c.email_verified !== true)
    throw invalid('its email is not verified (email_verified is not true)');
  const raw = c[m.groupsClaim];
  const groups = raw === undefined ? [] : strings(raw);
  if (groups === undefined) throw invalid(`its ${m.groupsClaim} claim (--oidc-groups-claim) is not a string or a list of strings`);
  return { name: m.usernamePrefix + name, groups: groups.map((g) => m.groupsPrefix + g), via: 'token' };
}
