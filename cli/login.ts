// `podprof login --gateway URL`: signs in with the gateway's identity provider
// (OIDC) the way a native app must (RFC 8252): a one-use HTTP listener on
// 127.0.0.1 at a random port takes the provider's redirect, the code is
// exchanged with PKCE (RFC 7636), and the ID token (with the refresh token) is
// stored for that gateway (cli/oidc-credentials.ts, 0600). It prints the URL
// to open; it does not start a browser itself. Later commands for the gateway
// send the ID token as their bearer token.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { authorizeUrl, newSignIn } from '../gateway/auth/oidc/flow.ts';
import { ProviderClient } from '../gateway/auth/oidc/provider.ts';
import { flag, helpText, parseFlags } from '../src/config/flags.ts';
import { duration, str } from '../src/config/values.ts';
import { GATEWAY_CLIENT_FLAGS } from './gateway-client.ts';
import { saveCredentials } from './oidc-credentials.ts';

const FLAGS = {
  gateway: GATEWAY_CLIENT_FLAGS.gateway,
  'ca-file': GATEWAY_CLIENT_FLAGS['ca-file'],
  'oidc-ca-file': flag(str, "CA (PEM) of the identity provider's HTTPS certificate; default: the system CAs"),
  timeout: flag(duration(5000, 3_600_000), 'how long to wait for the sign-in in the browser', { default: 300_000, defaultText: '5m' }),
} as const;

const SUMMARY =
  "Signs in with the gateway's identity provider (OIDC, authorization code + PKCE through a loopback redirect) and stores the ID token for later podprof commands.";

interface OidcConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes?: readonly string[];
}

function getJson(url: URL, ca: Buffer | undefined, token?: string): Promise<{ status: number; json: unknown }> {
  return new Promise((res, rej) => {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'podprof-cli' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const req = request(url, { ca, headers, timeout: 15_000 }, (r) => {
      let body = '';
      r.on('data', (c: Buffer) => (body += c.toString()));
      r.on('end', () => {
        try {
          res({ status: r.statusCode ?? 0, json: JSON.parse(body) });
        } catch {
          res({ status: r.statusCode ?? 0, json: undefined });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', (e: NodeJS.ErrnoException) => rej(new Error(`cannot reach the gateway at ${url.origin}: ${e.code ?? e.message}`)));
    req.end();
  });
}

/** Waits for the provider's redirect to the loopback listener: its query, once. */
function awaitRedirect(server: Server, timeoutMs: number): Promise<URLSearchParams> {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no sign-in within ${timeoutMs / 1000}s`)), timeoutMs);
    server.on('request', (req, reply) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/callback') {
        reply.writeHead(404).end();
        return;
      }
      reply.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      reply.end(
        url.searchParams.has('code')
          ? 'Signed in to podprof. You can close this window.\n'
          : 'The sign-in did not complete; see the terminal.\n',
      );
      clearTimeout(timer);
      res(url.searchParams);
    });
  });
}

/** The redirect's code, checked against this sign-in, exchanged with the PKCE verifier; the nonce checked. */
async function finish(
  provider: ProviderClient,
  q: URLSearchParams,
  s: { state: string; nonce: string; verifier: string },
  o: { redirectUri: string; clientId: string },
): Promise<{ idToken: string; refreshToken?: string }> {
  if (q.get('state') !== s.state) throw new Error('the sign-in came back with another state; start podprof login again');
  const code = q.get('code');
  if (code === null)
    throw new Error(`the provider refused the sign-in: ${q.get('error') ?? 'no code'} ${q.get('error_description') ?? ''}`.trim());
  const a = await provider.token(
    { grant_type: 'authorization_code', code, redirect_uri: o.redirectUri, code_verifier: s.verifier },
    o.clientId,
    undefined,
  );
  if (a.status !== 200 || typeof a.id_token !== 'string') throw new Error(`the provider did not exchange the code: ${a.error ?? a.status}`);
  const nonce = (JSON.parse(Buffer.from(a.id_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { nonce?: unknown }).nonce;
  if (nonce !== s.nonce) throw new Error("the ID token's nonce is not this sign-in's; start podprof login again");
  return { idToken: a.id_token, refreshToken: a.refresh_token };
}

export async function runLogin(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText('login', SUMMARY, FLAGS));
    return 0;
  }
  const c = parseFlags(FLAGS, argv);
  const gateway = new URL(c.gateway.href.replace(/\/+$/, ''));
  const gatewayCa = c['ca-file'] === undefined ? undefined : readFileSync(c['ca-file']);
  const conf = await getJson(new URL(`${gateway.pathname.replace(/\/$/, '')}/auth/oidc/config`, gateway), gatewayCa);
  const { issuer, clientId, scopes } = (conf.json ?? {}) as Partial<OidcConfig>;
  if (conf.status !== 200 || issuer === undefined || clientId === undefined)
    throw new Error(`${gateway.origin} has no identity provider to sign in with (its --oidc-issuer is not set)`);
  const oidcCaFile = c['oidc-ca-file'] === undefined ? undefined : resolve(c['oidc-ca-file']);
  const provider = new ProviderClient(issuer, oidcCaFile === undefined ? undefined : readFileSync(oidcCaFile));
  const d = await provider.discover();

  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
    const s = newSignIn('/', Date.now());
    const url = authorizeUrl({
      authorizationEndpoint: d.authorization_endpoint,
      clientId,
      redirectUri,
      scopes: scopes ?? ['openid', 'offline_access'],
      ...s,
    });
    process.stderr.write(
      `Open this URL in a browser to sign in to podprof at ${gateway.origin} with ${issuer}:\n\n  ${url}\n\nWaiting for the sign-in…\n`,
    );
    const a = await finish(provider, await awaitRedirect(server, c.timeout), s, { redirectUri, clientId });
    const who = await getJson(new URL(`${gateway.pathname.replace(/\/$/, '')}/api/v1/session`, gateway), gatewayCa, a.idToken);
    if (who.status !== 200) throw new Error(`the gateway refused the new ID token: ${JSON.stringify(who.json)}`);
    const file = saveCredentials(gateway, {
      gateway: gateway.href,
      issuer,
      clientId,
      idToken: a.idToken,
      refreshToken: a.refreshToken,
      oidcCaFile,
    });
    const me = who.json as { user: string; groups: string[] };
    process.stdout.write(
      `Signed in to ${gateway.origin} as ${me.user} (groups: ${me.groups.join(', ') || 'none'}); the ID token is in ${file}\n`,
    );
    return 0;
  } finally {
    server.close();
  }
}
