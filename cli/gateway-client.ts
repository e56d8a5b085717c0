// What every user command that talks to a podprof gateway shares: the flags
// (--gateway, --token, --ca-file, --insecure-skip-tls-verify), the token, argv
// with a positional argument and kubectl-style short flags, and a small HTTPS
// JSON client. The token is one for the gateway (audience podprof): --token,
// PODPROF_TOKEN, the ID token `podprof login` stored for that gateway, or, where the kubeconfig's user is a ServiceAccount, one it
// requests for that audience. The kubeconfig's own credential is for the API
// server and never leaves for the gateway: a gateway (or a mistyped URL) that
// held it could replay it there. Without a verified certificate no token is
// sent unless --send-token-unverified says so too.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { apiErrorOf, type ApiError } from '../src/api/error.ts';
import { flag, type ConfigOf } from '../src/config/flags.ts';
import { bool, httpsUrl, str } from '../src/config/values.ts';
import { storedIdToken } from './oidc-credentials.ts';

/** The audience of the tokens the gateway accepts (its --token-audience default). */
export const TOKEN_AUDIENCE = 'podprof';

export const GATEWAY_CLIENT_FLAGS = {
  gateway: flag(httpsUrl, 'the podprof gateway, e.g. https://podprof.example.com', { required: true }),
  token: flag(
    str,
    `a token for the gateway, audience ${TOKEN_AUDIENCE} (kubectl create token NAME --audience ${TOKEN_AUDIENCE}); default: one requested for the kubeconfig's ServiceAccount`,
  ),
  'ca-file': flag(str, "CA (PEM) that signs the gateway's certificate; default: the system CAs"),
  'insecure-skip-tls-verify': flag(
    bool,
    "do not verify the gateway's certificate (test setups only); sends no token without --send-token-unverified",
    { default: false },
  ),
  'send-token-unverified': flag(bool, 'with --insecure-skip-tls-verify: send the token anyway, to whoever answers at --gateway', {
    default: false,
  }),
} as const;

/** Boolean flags of every gateway command (they never take the next word as their value). */
export const CLIENT_BOOLEANS: ReadonlySet<string> = new Set(['insecure-skip-tls-verify', 'send-token-unverified']);

export type GatewayClientConfig = ConfigOf<typeof GATEWAY_CLIENT_FLAGS>;

/**
 * kubectl-style argv → the positional arguments and `--flag value` pairs parseFlags reads.
 * Short flags map through `shorts` (-n → namespace); boolean flags never take the next word.
 */
export function splitArgs(
  argv: readonly string[],
  shorts: Readonly<Record<string, string>>,
  booleans: ReadonlySet<string>,
): { positional: string[]; flags: string[] } {
  const positional: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const short = /^-([a-zA-Z])(?:=(.*))?$/.exec(arg);
    const long = short ? `--${shorts[short[1]!] ?? short[1]!}${short[2] === undefined ? '' : `=${short[2]}`}` : arg;
    if (!long.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    flags.push(long);
    const name = long.slice(2);
    const next = argv[i + 1];
    if (long.includes('=') || next === undefined) continue;
    if (booleans.has(name) ? /^(true|false)$/.test(next) : !next.startsWith('--')) {
      flags.push(next);
      i++;
    }
  }
  return { positional, flags };
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface GatewayClient {
  readonly base: URL;
  /** Any answer; the caller looks at the status. */
  send(method: string, path: string, body?: unknown): Promise<Reply>;
  /** 2xx JSON, or an ApiError with the gateway's code, message and hint. */
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
}

const NO_TOKEN = `no token for the gateway: pass --token or set PODPROF_TOKEN to one for audience ${TOKEN_AUDIENCE} (kubectl create token NAME --audience ${TOKEN_AUDIENCE}); the kubeconfig's own credential is for the API server and is never sent to the gateway`;

/**
 * A token for the gateway from the kubeconfig: when its user is a ServiceAccount
 * (SelfSubjectReview says so), a TokenRequest for that account with audience
 * podprof. The kubeconfig's credential goes to the API server only.
 */
async function requestedToken(): Promise<string | undefined> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromDefault();
  } catch {
    return undefined;
  }
  if (!kc.getCurrentCluster()) return undefined;
  try {
    const review = await kc
      .makeApiClient(k8s.AuthenticationV1Api)
      .createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(review.status?.userInfo?.username ?? '');
    if (!sa) return undefined;
    const tr = await kc.makeApiClient(k8s.CoreV1Api).createNamespacedServiceAccountToken({
      namespace: sa[1]!,
      name: sa[2]!,
      body: { spec: { audiences: [TOKEN_AUDIENCE], expirationSeconds: 3600 } },
    });
    return tr.status?.token;
  } catch {
    return undefined; // not allowed to request one: the message says how to get one
  }
}

async function tokenOf(c: GatewayClientConfig): Promise<string> {
  if (c.token !== undefined && c.token !== '') return c.token;
  const signedIn = await storedIdToken(new URL(c.gateway.href.replace(/\/+$/, '')));
  if (signedIn) return signedIn;
  const requested = await requestedToken();
  if (requested) return requested;
  throw new Error(NO_TOKEN);
}

export function errorOf(r: Reply): ApiError {
  return apiErrorOf(r.status, r.body.toString('utf8'));
}

/** How the gateway's certificate is checked: not at all (explicitly), against --ca-file, or the system CAs. */
function tlsOptions(c: GatewayClientConfig): { rejectUnauthorized?: boolean; ca?: Buffer } {
  if (c['insecure-skip-tls-verify']) return { rejectUnauthorized: false };
  if (c['ca-file']) return { ca: readFileSync(c['ca-file']) };
  return {};
}

export async function gatewayClient(c: GatewayClientConfig): Promise<GatewayClient> {
  if (c['insecure-skip-tls-verify'] && !c['send-token-unverified']) {
    throw new Error(
      "--insecure-skip-tls-verify: the gateway's certificate would not be checked, so no token is sent to it; pass --ca-file with its CA, or add --send-token-unverified to send the token to whoever answers",
    );
  }
  const token = await tokenOf(c);
  const tls = tlsOptions(c);
  const base = new URL(c.gateway.href.replace(/\/+$/, ''));
  const send = (method: string, path: string, body?: unknown): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json', 'user-agent': 'podprof-cli' };
      if (payload) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(payload.length) });
      const req = request(new URL(`${base.pathname.replace(/\/$/, '')}${path}`, base), { method, headers, ...tls }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (ch: Buffer) => chunks.push(ch));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const tlsHint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(err.code ?? '')
          ? " (the gateway's certificate is not trusted: pass --ca-file, or --insecure-skip-tls-verify on a test setup)"
          : '';
        reject(new Error(`cannot reach the gateway at ${base.origin}: ${err.code ?? err.message}${tlsHint}`));
      });
      req.end(payload);
    });
  return {
    base,
    send,
    async json<T>(method: string, path: string, body?: unknown): Promise<T> {
      const r = await send(method, path, body);
      if (r.status < 200 || r.status >= 300) throw errorOf(r);
      return JSON.parse(r.body.toString('utf8')) as T;
    },
  };
}
