// The I/O with the OIDC provider: its discovery document
// (/.well-known/openid-configuration), its JWKS and its token endpoint, over
// HTTPS only, trusting --oidc-ca-file (or the system CAs), each answer bounded
// in size and time. Nothing here logs a token or a code.
import { request } from 'node:https';
import { PodprofError } from '../../../src/errors.ts';

/** The largest answer read from the provider (discovery, JWKS, token). */
export const MAX_PROVIDER_BYTES = 256 * 1024;
const TIMEOUT_MS = 10_000;

export interface Discovery {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
  readonly code_challenge_methods_supported?: readonly string[];
}

export interface TokenAnswer {
  readonly id_token?: string;
  readonly refresh_token?: string;
  readonly error?: string;
  readonly error_description?: string;
}

const unavailable = (what: string): PodprofError => new PodprofError('PODPROF_OIDC_UNAVAILABLE', what);

/** One HTTPS exchange with the provider: status and JSON body. */
function exchange(
  url: string,
  ca: Buffer | undefined,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; json: unknown }> {
  const u = new URL(url);
  if (u.protocol !== 'https:') return Promise.reject(unavailable(`${u.origin}: the provider must be reached over https`));
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      { method: init.method ?? 'GET', headers: { accept: 'application/json', ...init.headers }, ca, timeout: TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_PROVIDER_BYTES) {
            req.destroy();
            reject(unavailable(`${u.origin}${u.pathname} answered more than ${MAX_PROVIDER_BYTES} bytes`));
          } else chunks.push(c);
        });
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return reject(unavailable(`${u.origin}${u.pathname} answered ${res.statusCode ?? 0} without JSON`));
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on('error', (e) => reject(unavailable(`${u.origin}${u.pathname}: ${e.message}`)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000}s`)));
    req.on('error', (e: NodeJS.ErrnoException) => reject(unavailable(`${u.origin}${u.pathname}: ${e.code ?? e.message}`)));
    req.end(init.body);
  });
}

export class ProviderClient {
  private discovery: Promise<Discovery> | undefined;

  constructor(
    readonly issuer: string,
    private readonly ca: Buffer | undefined,
  ) {}

  /** The discovery document, fetched once (again after a failure); its issuer must be ours exactly. */
  discover(): Promise<Discovery> {
    this.discovery ??= (async () => {
      const { status, json } = await exchange(`${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, this.ca);
      const d = json as Partial<Discovery>;
      if (
        status !== 200 ||
        typeof d.jwks_uri !== 'string' ||
        typeof d.authorization_endpoint !== 'string' ||
        typeof d.token_endpoint !== 'string'
      )
        throw unavailable(`${this.issuer}: the discovery document (${status}) lacks jwks_uri, authorization_endpoint or token_endpoint`);
      if (d.issuer !== this.issuer)
        throw unavailable(`the discovery document names issuer ${JSON.stringify(d.issuer)}, not ${this.issuer}`);
      return d as Discovery;
    })().catch((err: unknown) => {
      this.discovery = undefined;
      throw err;
    });
    return this.discovery;
  }

  async jwks(): Promise<unknown> {
    const { status, json } = await exchange((await this.discover()).jwks_uri, this.ca);
    if (status !== 200) throw unavailable(`the JWKS answered ${status}`);
    return json;
  }

  /** POST to the token endpoint (a code or a refresh token); the client secret, if any, as HTTP Basic. */
  async token(form: Record<string, string>, clientId: string, clientSecret: string | undefined): Promise<TokenAnswer & { status: number }> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const body = new URLSearchParams(form);
    if (clientSecret === undefined) body.set('client_id', clientId);
    else
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
    const { status, json } = await exchange((await this.discover()).token_endpoint, this.ca, {
      method: 'POST',
      headers,
      body: body.toString(),
    });
    return { ...(json as TokenAnswer), status };
  }
}
