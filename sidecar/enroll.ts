// Enrollment: the sidecar proves which pod it is to the gateway with its
// projected ServiceAccount token (audience podprof-sidecar, bound to this pod by
// the API server; the kubelet rotates the file) and gets a short-lived
// certificate for its pod IP, signed by the sidecar CA the gateway trusts. It
// keeps its private key; it renews at two thirds of the lifetime, and retries
// with backoff while the gateway is away. Until it has a certificate it serves
// its self-signed one, which the gateway refuses: no profile leaves the pod, and
// /readyz says why (the pod itself stays Ready: its app is not affected).
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import type { Logger } from '../src/log.ts';

export interface EnrollOptions {
  readonly url: URL;
  readonly tokenFile: string;
  /** The CA of the gateway's serving certificate; absent: the system's. */
  readonly ca?: string;
  readonly pod: { readonly namespace: string; readonly name: string };
  readonly apply: (tls: { cert: string; key: string }) => void;
  readonly log: Logger;
  /** Backoff bounds while enrollment fails. */
  readonly retryMs?: { readonly min: number; readonly max: number };
}

export interface Enrollment {
  /** Why there is no certificate, or undefined once there is one. */
  readonly problem: string | undefined;
  readonly notAfter: Date | undefined;
  stop(): void;
}

interface Answer {
  status: number;
  body: string;
}

function post(o: EnrollOptions, token: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      o.url,
      {
        method: 'POST',
        ca: o.ca,
        timeout: 10_000,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c.length + text.length < 65_536 ? c : ''));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in 10s')));
    req.on('error', reject);
    req.end(body);
  });
}

export function startEnrollment(o: EnrollOptions): Enrollment {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const body = JSON.stringify({
    namespace: o.pod.namespace,
    pod: o.pod.name,
    publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  });
  const retry = o.retryMs ?? { min: 1000, max: 30_000 };
  const state: { problem: string | undefined; notAfter: Date | undefined } = { problem: 'enrolling with the gateway', notAfter: undefined };
  let timer: NodeJS.Timeout | undefined;
  let backoff = retry.min;
  let stopped = false;

  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(() => void attempt(), ms);
    timer.unref();
  };
  const attempt = async (): Promise<void> => {
    try {
      const token = (await readFile(o.tokenFile, 'utf8')).trim();
      const r = await post(o, token, body);
      if (r.status !== 201) throw new Error(`the gateway answered ${r.status}: ${r.body.slice(0, 500).trim()}`);
      const issued = JSON.parse(r.body) as { certificate: string; notAfter: string };
      o.apply({ cert: issued.certificate, key: keyPem });
      state.notAfter = new Date(issued.notAfter);
      state.problem = undefined;
      backoff = retry.min;
      const lifetime = state.notAfter.getTime() - Date.now();
      o.log.info({ notAfter: issued.notAfter }, 'sidecar certificate from the gateway in use');
      schedule(Math.max(retry.min, (lifetime * 2) / 3));
    } catch (err) {
      // Keep serving a still-valid certificate; report the failure either way.
      const valid = state.notAfter !== undefined && state.notAfter.getTime() > Date.now();
      state.problem = valid ? undefined : `no certificate from the gateway: ${(err as Error).message}`;
      o.log.warn({ err: (err as Error).message, retryInMs: backoff }, 'sidecar enrollment failed');
      schedule(backoff);
      backoff = Math.min(retry.max, backoff * 2);
    }
  };
  void attempt();
  return {
    get problem() {
      return state.problem;
    },
    get notAfter() {
      return state.notAfter;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
