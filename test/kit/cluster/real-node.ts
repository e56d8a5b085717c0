// What the real-node tests do as a user would: kubectl against the cluster,
// `kubectl port-forward` to the gateway, HTTPS to it with the local overlay's CA.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface Kubectl {
  (args: readonly string[], input?: string): Promise<string>;
  kubeconfig: string;
}

export function kubectlFor(kubeconfig: string): Kubectl {
  const k = (async (args: readonly string[], input?: string): Promise<string> => {
    const p = execFileP('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 240_000, maxBuffer: 64 << 20 });
    if (input !== undefined) p.child.stdin?.end(input);
    try {
      return (await p).stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(' ')}: ${e.stderr?.trim() || e.message}`, { cause: err });
    }
  }) as Kubectl;
  k.kubeconfig = kubeconfig;
  return k;
}

export async function kubectlJson<T>(k: Kubectl, args: readonly string[]): Promise<T> {
  return JSON.parse(await k([...args, '-o', 'json'])) as T;
}

export interface PortForward {
  port: number;
  stop(): void;
}

/** `kubectl port-forward` in its own process group; resolves once it forwards. */
export function portForward(k: Kubectl, namespace: string, target: string, remotePort: number): Promise<PortForward> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      'kubectl',
      ['--kubeconfig', k.kubeconfig, 'port-forward', '-n', namespace, '--address', '127.0.0.1', target, `0:${remotePort}`],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const stop = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    };
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`port-forward ${target}: no port after 30 s: ${err}`));
    }, 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ port: Number(m[1]), stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`port-forward ${target} exited ${code}: ${err}`));
    });
  });
}

export interface HttpsResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function httpsCall(
  url: string,
  o: { ca: string | Buffer; token?: string; method?: string; json?: unknown; timeoutMs?: number },
): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const body = o.json === undefined ? undefined : Buffer.from(JSON.stringify(o.json));
    const req = request(url, {
      method: o.method ?? (body ? 'POST' : 'GET'),
      ca: o.ca,
      headers: {
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
      },
      timeout: o.timeoutMs ?? 120_000,
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.end(body);
  });
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * An annotated (podprof.io/inject) Deployment of the demo app (localhost/podprof-demo-app:dev) that a restricted
 * namespace admits. The demo burns ~0.4 core per pod; the limit keeps six of them inside a 2-core machine.
 */
export function demoDeployment(namespace: string, name: string, replicas: number): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: { 'podprof.io/inject': 'true' } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'app',
              image: 'localhost/podprof-demo-app:dev',
              resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '150m', memory: '128Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    },
  };
}
