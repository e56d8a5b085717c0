// When a container counts as ready: a stdout line (the Go fixture's
// `listening on`), an HTTP GET answering 200-399 (the sidecar's /readyz, or a
// readinessProbe.httpGet from the pod spec), or at once. Decided once.
import type { V1Container } from '@kubernetes/client-node';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ContainerExit, ContainerProcess } from './container-process.ts';
import { sleep } from './http.ts';
import type { Readiness } from './runtimes.ts';

const POLL_MS = 100;

function answers(url: string): Promise<boolean> {
  const doRequest = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = doRequest(url, { timeout: 1000, agent: false, rejectUnauthorized: false }, (res) => {
      res.resume();
      const s = res.statusCode ?? 0;
      resolve(s >= 200 && s < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

const exitedEarly = (e: ContainerExit): Error =>
  new Error(`exited before it was ready (exit code ${e.exitCode}${e.error ? `: ${e.error}` : ''})`);

/** Resolves once ready; rejects if the process exits first or `signal` aborts. */
export async function waitReady(r: Readiness, proc: ContainerProcess, signal: AbortSignal): Promise<void> {
  if ('immediately' in r) return;
  if ('stdoutMatches' in r) {
    await new Promise<void>((resolve, reject) => {
      if (proc.lines().some((l) => r.stdoutMatches.test(l))) return resolve();
      proc.onLine((l) => r.stdoutMatches.test(l) && resolve());
      void proc.exited.then((e) => reject(exitedEarly(e)));
      signal.addEventListener('abort', () => reject(new Error('stopped before it was ready')), { once: true });
    });
    return;
  }
  for (;;) {
    const e = proc.exit();
    if (e !== undefined) throw exitedEarly(e);
    if (signal.aborted) throw new Error('stopped before it was ready');
    if (await answers(r.httpGet)) return;
    await sleep(POLL_MS);
  }
}

/** A readinessProbe.httpGet of the spec, aimed at the pod IP; undefined for other probe kinds. */
export function probeFromSpec(c: V1Container, ip: string): Readiness | undefined {
  const get = c.readinessProbe?.httpGet;
  if (get === undefined) return undefined;
  const port = typeof get.port === 'number' ? get.port : (c.ports?.find((p) => p.name === get.port)?.containerPort ?? Number(get.port));
  const scheme = (get.scheme ?? 'HTTP').toLowerCase();
  return { httpGet: `${scheme}://${ip}:${port}${get.path ?? '/'}` };
}
