// ID tokens from the real provider without a browser: the authorization-code
// flow with PKCE driven over HTTPS (its login form posted directly), for tests
// that need tokens rather than a sign-in (another client's, a short-lived one).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { OidcProvider, OidcUser } from './provider.ts';

interface Answer {
  readonly status: number;
  readonly location?: string;
  readonly body: string;
}

function send(url: string, ca: Buffer, method = 'GET', form?: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = form && new URLSearchParams(form).toString();
    const req = request(
      url,
      { method, ca, headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The provider's answer to a code exchange: the ID token and refresh token. */
export async function signInOverHttp(
  p: OidcProvider,
  o: { clientId: string; user: Pick<OidcUser, 'username' | 'password'>; redirectUri?: string },
): Promise<{ idToken: string; refreshToken?: string }> {
  const ca = readFileSync(p.caFile);
  const redirectUri = o.redirectUri ?? 'http://127.0.0.1/callback';
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL(`${p.issuer}/auth`);
  for (const [k, v] of Object.entries({
    client_id: o.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid offline_access',
    state: 'test-state',
    nonce: 'test-nonce',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }))
    auth.searchParams.set(k, v);
  const toLogin = await send(auth.href, ca);
  const id = /authRequestID=([^&]+)/.exec(toLogin.location ?? '')?.[1];
  if (!id) throw new Error(`the provider did not send to its login page: ${toLogin.status} ${toLogin.body.slice(0, 300)}`);
  const afterLogin = await send(`${p.issuer}/login/username`, ca, 'POST', { username: o.user.username, password: o.user.password, id });
  if (!afterLogin.location) throw new Error(`the login was refused: ${afterLogin.status} ${afterLogin.body.slice(0, 300)}`);
  const back = await send(new URL(afterLogin.location, p.issuer).href, ca);
  const code = new URL(back.location ?? 'http://x/').searchParams.get('code');
  if (!code) throw new Error(`no code: ${back.status} ${back.location ?? ''} ${back.body.slice(0, 300)}`);
  const token = await send(`${p.issuer}/oauth/token`, ca, 'POST', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
    client_id: o.clientId,
  });
  const json = JSON.parse(token.body) as { id_token?: string; refresh_token?: string };
  if (!json.id_token) throw new Error(`no ID token: ${token.status} ${token.body.slice(0, 300)}`);
  return { idToken: json.id_token, refreshToken: json.refresh_token };
}

function cookiesOf(a: { headers: Record<string, string | string[] | undefined> }): string[] {
  const raw = a.headers['set-cookie'];
  return (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((c) => c.split(';')[0]!);
}

/**
 * The UI's sign-in without a browser: the gateway's /auth/oidc/login, the provider's login form,
 * the gateway's callback with the sign-in cookie. The session cookie (name=value), or the callback's Location on failure.
 */
export async function signInToGateway(
  gatewayUrl: string,
  p: OidcProvider,
  user: Pick<OidcUser, 'username' | 'password'>,
): Promise<{ session?: string; location: string }> {
  const ca = readFileSync(p.caFile);
  const insecure = { rejectUnauthorized: false };
  const get = (
    url: string,
    cookie?: string,
  ): Promise<{ status: number; location?: string; headers: Record<string, string | string[] | undefined> }> =>
    new Promise((resolve, reject) => {
      const req = request(url, { ...insecure, headers: cookie ? { cookie } : {} }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });
  const start = await get(`${gatewayUrl}/auth/oidc/login?next=/pods`);
  const state = cookiesOf(start).join('; ');
  const toLogin = await send(start.location!, ca);
  const id = /authRequestID=([^&]+)/.exec(toLogin.location ?? '')?.[1];
  if (!id) throw new Error(`no login page: ${toLogin.status} ${toLogin.body.slice(0, 300)}`);
  const afterLogin = await send(`${p.issuer}/login/username`, ca, 'POST', { username: user.username, password: user.password, id });
  const back = await send(new URL(afterLogin.location!, p.issuer).href, ca);
  const done = await get(back.location!, state);
  const session = cookiesOf(done).find((c) => c.startsWith('__Host-podprof_session='));
  return { session, location: done.location ?? '' };
}
