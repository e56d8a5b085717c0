// The authorization-code flow with PKCE (RFC 7636), the browser's half: what
// a sign-in must remember between /auth/oidc/login and /auth/oidc/callback
// (state, nonce, PKCE verifier, where to go next) is sealed with AES-256-GCM
// into a short-lived HttpOnly cookie, so the gateway holds nothing per
// started sign-in and a flood of started sign-ins costs it no memory. The
// cookie is SameSite=Lax: the provider's redirect back is a cross-site
// navigation, which Strict would strip. Pure but for node:crypto.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { PodprofError } from '../../../src/errors.ts';

export const STATE_COOKIE = '__Host-podprof_oidc';
/** How long a started sign-in may take at the provider. */
export const SIGN_IN_MS = 10 * 60_000;

export interface SignIn {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** A path on this gateway to land on after signing in. */
  readonly next: string;
  readonly until: number;
}

const failed = (why: string): PodprofError => new PodprofError('PODPROF_OIDC_SIGN_IN_FAILED', why);

export const pkceChallenge = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

/** Only a path on this origin (not //host, not a URL): an open redirect is no use to anyone. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') && !next.startsWith('/login')
    ? next
    : '/';
}

export function newSignIn(next: unknown, now: number): SignIn {
  const r = (): string => randomBytes(32).toString('base64url');
  return { state: r(), nonce: r(), verifier: r(), next: safeNext(next), until: now + SIGN_IN_MS };
}

/** The sealed cookie's value: iv.ciphertext.tag, base64url. */
export function seal(key: Buffer, s: SignIn): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(JSON.stringify(s)), c.final()]);
  return [iv, body, c.getAuthTag()].map((b) => b.toString('base64url')).join('.');
}

export function open(key: Buffer, sealed: string | undefined, now: number): SignIn {
  if (sealed === undefined || sealed === '')
    throw failed('the sign-in cookie is missing (cookies blocked, another browser, or the sign-in was already used)');
  const [iv = '', body = '', tag = ''] = sealed.split('.');
  let s: SignIn;
  try {
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    s = JSON.parse(Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8')) as SignIn;
  } catch {
    throw failed('the sign-in cookie was not made by this gateway');
  }
  if (!(s.until > now)) throw failed(`the sign-in took longer than ${SIGN_IN_MS / 60_000} minutes`);
  return s;
}

export function cookieOf(header: string | undefined): string | undefined {
  return (header ?? '')
    .split(/;\s*/)
    .find((c) => c.startsWith(`${STATE_COOKIE}=`))
    ?.slice(STATE_COOKIE.length + 1);
}

export const setStateCookie = (value: string): string =>
  `${STATE_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=${SIGN_IN_MS / 1000}`;
export const clearStateCookie = (): string => `${STATE_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;

export interface AuthorizeParams {
  readonly authorizationEndpoint: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

export function authorizeUrl(p: AuthorizeParams): string {
  const u = new URL(p.authorizationEndpoint);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('client_id', p.clientId);
  u.searchParams.set('redirect_uri', p.redirectUri);
  u.searchParams.set('scope', [...new Set(['openid', ...p.scopes])].join(' '));
  u.searchParams.set('state', p.state);
  u.searchParams.set('nonce', p.nonce);
  u.searchParams.set('code_challenge', pkceChallenge(p.verifier));
  u.searchParams.set('code_challenge_method', 'S256');
  return u.href;
}
