// What every user command that talks to a podprof gateway shares: the flags
// (--gateway, --token, --ca-file, --insecure-skip-tls-verify), the token (flag,
// PODPROF_TOKEN, else the current kubeconfig user's), argv with a positional
// argument and kubectl-style short flags, and a small HTTPS JSON client.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { apiErrorOf, type ApiError } from '../src/api/error.ts';
import { flag, type ConfigOf } from '../src/config/flags.ts';
import { bool, httpsUrl, str } from '../src/config/values.ts';

export const GATEWAY_CLIENT_FLAGS = {
  gateway: flag(httpsUrl, 'the podprof gateway, e.g. https://podprof.example.com', { required: true }),
  token: flag(str, "bearer token; default: the current kubeconfig user's token"),
  'ca-file': flag(str, "CA (PEM) that signs the gateway's certificate; default: the system CAs"),
  'insecure-skip-tls-verify': flag(bool, "do not verify the gateway's certificate (test setups only)", { default: false }),
} as const;

export type GatewayClientConfig = ConfigOf<typeof GATEWAY_CLIENT_FLAGS>;

/**
 * kubectl-style argv → the positional arguments and `--flag value` pairs parseFlags reads.
 * Short flags map through `shorts` (-n → namespace); boolean flags never take the next word.
 */
export function splitArgs(argv: readonly string[], shorts: Readonly<Record<string, string>>, booleans: ReadonlySet<string>): { positional: string[]; flags: string[] } {
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

async function tokenOf(c: GatewayClientConfig): Promise<string> {
  if (c.token !== undefined && c.token !== '') return c.token;
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch {
    // No kubeconfig: the message below says what to do.
  }
  const token = kc.getCurrentUser()?.token;
  if (token) return token;
  throw new Error("no token: pass --token or set PODPROF_TOKEN, or use a kubeconfig whose current user has a token (e.g. kubectl create token <service-account>)");
}

export function errorOf(r: Reply): ApiError {
  return apiErrorOf(r.status, r.body.toString('utf8'));
}

export async function gatewayClient(c: GatewayClientConfig): Promise<GatewayClient> {
  const token = await tokenOf(c);
  const tls = c['insecure-skip-tls-verify'] ? { rejectUnauthorized: false } : c['ca-file'] ? { ca: readFileSync(c['ca-file']) } : {};
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
        const tlsHint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(err.code ?? '') ? " (the gateway's certificate is not trusted: pass --ca-file, or --insecure-skip-tls-verify on a test setup)" : '';
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
