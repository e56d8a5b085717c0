// Requests to a pod's sidecar: HTTPS to podIP:podprof with a freshly minted,
// pod-bound token. Nothing the user sent (Authorization, Cookie) is forwarded.
// The token goes only over TLS the gateway verified: the sidecar's certificate
// chains to the sidecar CA and names the pod's IP (Node checks the IP SAN
// against the address it dialled). Anyone else at that address gets no token.
import { Agent, request, type RequestOptions } from 'node:https';
import { checkServerIdentity, createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { PodprofError } from '../../src/errors.ts';
import { DEFAULT_TRANSFER, watchTransfer, type TransferLimits } from '../../src/http/transfer.ts';
import type { PprofRequest } from '../../src/endpoints/policy.ts';
import type { Keyring } from './keyring.ts';
import type { Target } from './targets.ts';

/** Connections to one sidecar at most: under its --max-connections-per-address (24). */
const MAX_SOCKETS_PER_POD = 16;

/** Pods with a pooled connection at once; the least recently used agent goes past this. */
const MAX_AGENTS = 2048;

/**
 * How a kept connection fails when the sidecar closed it (idle past its keep-alive) as the request went
 * out: sent again once on a new connection, as Go's transport does. Only before any answer came.
 */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE']);

/** Certificate checks that failed: whoever answered is not that pod's sidecar. */
const TLS_REFUSALS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);

/**
 * A certificate podprof's signer issued names its pod (CN <pod>.<namespace>.pod.podprof):
 * one for another pod at this IP (the IP was reused) is refused too.
 */
function otherPod(cert: PeerCertificate, t: Target): Error | undefined {
  const cn = cert.subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (name === undefined || !name.endsWith('.pod.podprof') || name === `${t.name}.${t.namespace}.pod.podprof`) return undefined;
  return Object.assign(new Error(`the certificate is for ${name}, not ${t.name}.${t.namespace}`), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
}

export interface SidecarCall {
  /** The sidecar's answer (headers); rejects with the catalog error when it never came. */
  readonly response: Promise<IncomingMessage>;
  /**
   * The answer's body, at most maxBytes, under the transfer deadline and rate
   * (src/http/transfer.ts); throws the catalog error of whichever limit it passed.
   */
  body(maxBytes: number): AsyncGenerator<Buffer>;
  /** Cancel: the sidecar then cancels its upstream request, which frees Go's profiler. */
  abort(): void;
}

/** How the gateway explains a failed request to a sidecar: unverified, or unreachable. */
function callError(t: Target, err: NodeJS.ErrnoException): PodprofError {
  if (err instanceof PodprofError) return err;
  if (TLS_REFUSALS.has(err.code ?? '')) {
    return new PodprofError(
      'PODPROF_SIDECAR_UNVERIFIED',
      `${t.ip}:${t.port} did not prove it is the sidecar of ${t.namespace}/${t.name} (${err.code}: ${err.message}); no token was sent`,
    );
  }
  return new PodprofError(
    'PODPROF_SIDECAR_UNREACHABLE',
    `the sidecar of ${t.namespace}/${t.name} at ${t.ip}:${t.port} failed: ${err.code ?? err.message}`,
  );
}

export class SidecarClient {
  /** One keep-alive agent per pod, each checking that pod's certificate (a per-request check would defeat pooling). */
  private readonly agents = new Map<string, Agent>();
  /**
   * One TLS context (the sidecar CA) for every connection: given `ca` instead,
   * Node parses the CA into a new OpenSSL context for each connection it opens.
   */
  private readonly secureContext: SecureContext;

  constructor(
    private readonly keys: Keyring,
    caPem: string,
    private readonly transfer: TransferLimits = DEFAULT_TRANSFER,
    private readonly marginMs = 15_000,
  ) {
    this.secureContext = createSecureContext({ ca: caPem });
  }

  private agentFor(t: Target): Agent {
    const key = `${t.namespace}/${t.name}/${t.uid}/${t.ip}:${t.port}`;
    let agent = this.agents.get(key);
    if (agent) {
      this.agents.delete(key); // most recently used last
    } else {
      agent = new Agent({
        keepAlive: true,
        maxSockets: MAX_SOCKETS_PER_POD,
        secureContext: this.secureContext,
        checkServerIdentity: (host, cert) => checkServerIdentity(host, cert) ?? otherPod(cert, t),
      });
      for (const [k, old] of this.agents) {
        if (this.agents.size < MAX_AGENTS) break;
        if (Object.keys(old.sockets).length > 0) continue; // in use: a capture is running through it
        old.destroy();
        this.agents.delete(k);
      }
    }
    this.agents.set(key, agent);
    return agent;
  }

  call(subject: string, t: Target, req: PprofRequest, body?: Buffer): SidecarCall {
    // Each attempt has a token of its own: the sidecar spends a token's jti on first sight.
    const opts = (): RequestOptions => ({
      host: t.ip,
      port: t.port,
      path: req.path,
      method: body ? 'POST' : 'GET',
      agent: this.agentFor(t),
      headers: {
        authorization: `Bearer ${this.keys.mint(subject, t, req.type, req.seconds)}`,
        'user-agent': 'podprof-gateway',
        ...(body ? { 'content-type': 'text/plain', 'content-length': String(body.length) } : {}),
      },
    });
    const plan = {
      startedAt: Date.now(),
      recordMs: req.seconds * 1000,
      marginMs: this.marginMs,
      limits: this.transfer,
      peer: `the sidecar of ${t.namespace}/${t.name}`,
    };
    let expired: PodprofError | undefined;
    let aborted = false;
    let r: ReturnType<typeof request> | undefined;
    const watch = watchTransfer(plan, (err) => {
      expired = err;
      r?.destroy(err);
    });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      const send = (mayResend: boolean): void => {
        let answered = false;
        const attempt = request(opts(), (res) => {
          answered = true;
          watch.started();
          resolve(res);
        });
        r = attempt;
        attempt.on('error', (err: NodeJS.ErrnoException) => {
          if (mayResend && attempt.reusedSocket && !answered && !aborted && expired === undefined && STALE_CONNECTION.has(err.code ?? ''))
            return send(false);
          watch.stop();
          reject(expired ?? callError(t, err));
        });
        attempt.end(body);
      };
      send(true);
    });
    const abort = (): void => {
      aborted = true;
      watch.stop();
      r?.destroy();
    };
    async function* read(maxBytes: number): AsyncGenerator<Buffer> {
      const res = await response;
      let size = 0;
      try {
        for await (const c of res as AsyncIterable<Buffer>) {
          watch.count(c.length);
          size += c.length;
          if (size > maxBytes) {
            abort();
            throw tooLarge(t, maxBytes);
          }
          yield c;
        }
      } catch (err) {
        throw expired ?? (err instanceof PodprofError ? err : brokeOff(t));
      } finally {
        watch.stop();
      }
      if (!res.complete) throw expired ?? brokeOff(t);
    }
    return { response, body: read, abort };
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}

function brokeOff(t: Target): PodprofError {
  return new PodprofError('PODPROF_SIDECAR_UNREACHABLE', `the sidecar of ${t.namespace}/${t.name} broke off its answer`);
}

/** What podprof reads of a refusal (its text says why): the first few KiB, never the whole body. */
const REFUSAL_BYTES = 4096;

async function refusalText(call: SidecarCall): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of call.body(Number.POSITIVE_INFINITY)) {
      chunks.push(c);
      size += c.length;
      if (size >= REFUSAL_BYTES) break;
    }
  } catch {
    // A refusal cut short still says what it said so far.
  } finally {
    call.abort();
  }
  return Buffer.concat(chunks).subarray(0, 1000).toString('utf8');
}

/**
 * A call's body, streamed to `save` (a file, not memory) and bounded by
 * `maxBytes` and the transfer deadline; rejects with SidecarRefused (the
 * sidecar's own text, its first KiB) on non-200.
 */
export async function saveSidecarBody(
  call: SidecarCall,
  t: Target,
  maxBytes: number,
  save: (body: AsyncIterable<Buffer>) => Promise<number>,
): Promise<number> {
  const res = await call.response;
  if (res.statusCode !== 200)
    throw new SidecarRefused(res.statusCode ?? 502, await refusalText(call), retryAfter(res.headers['retry-after']));
  const declared = Number(res.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    call.abort();
    throw tooLarge(t, maxBytes);
  }
  return save(call.body(maxBytes));
}

function tooLarge(t: Target, maxBytes: number): PodprofError {
  return new PodprofError(
    'PODPROF_RESPONSE_TOO_LARGE',
    `the profile of ${t.namespace}/${t.name} is larger than ${maxBytes / 1024 / 1024} MiB (--max-profile-bytes)`,
  );
}

/** Retry-After as whole seconds (the sidecar sends seconds, never a date), or undefined. */
function retryAfter(v: string | string[] | undefined): number | undefined {
  return typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : undefined;
}

export class SidecarRefused extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
    /** The refusal's Retry-After in seconds (a busy profiler's 429), when it gave one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`sidecar answered ${status}: ${text.trim()}`);
  }
}
