// The demo app for machines without Go: a Node process that runs a small
// workload and serves real profiles of itself at net/http/pprof's paths, in
// Go's gzipped pprof protobuf, so a podprof sidecar fronts it unchanged.
// It is a child process (`node -e "import(<this module's URL>)"` calling
// serveNodeTarget()), so the demo's gateway and sidecars stay out of its
// profiles. From source the URL is this .ts file, loaded with tsx; bundled, it
// is this module's own chunk: demo/target.ts imports it dynamically, so
// esbuild keeps it a separate chunk with these export names.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import {
  CPU_SAMPLING_US,
  CPU_SHAPE,
  HEAP_SAMPLING_BYTES,
  HEAP_SHAPE,
  collectCpu,
  collectHeap,
  delta,
  encodePprof,
  renderText,
  type Collected,
  type SamplingHeapProfile,
} from './node-profiles.ts';
import { startWorkload } from './node-workload.ts';

const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;
const PREFIX = '/debug/pprof/';

export interface NodeTarget {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

/** Spawns the Node demo app and resolves once it prints its `listening on` line. */
export async function startNodeTarget(): Promise<NodeTarget> {
  const self = import.meta.url;
  const loader = self.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  const code = `const m = await import(${JSON.stringify(self)});\nif (typeof m.serveNodeTarget !== 'function') throw new Error('no serveNodeTarget export in ' + ${JSON.stringify(self)});\nawait m.serveNodeTarget();`;
  const { NODE_TEST_CONTEXT: _inTest, ...env } = process.env;
  const child = spawn(process.execPath, [...loader, '--enable-source-maps', '--input-type=module', '-e', code, 'podprof-demo-app'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const { stdout, stderr: errors } = child;
  if (stdout === null || errors === null) throw new Error('the Node demo app has no stdout/stderr pipes');
  let stderr = '';
  errors.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-8192)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
    };
    const fail = (why: string): void => {
      settle();
      child.kill('SIGKILL');
      reject(new Error(`the Node demo app ${why}\nstderr:\n${stderr}`));
    };
    const onExit = (code: number | null, signal: string | null): void => fail(`exited early (code ${code}, signal ${signal})`);
    const timer = setTimeout(() => fail(`printed no "listening on" line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.once('error', (err) => fail(`did not start: ${err.message}`));
    child.once('exit', onExit);
    createInterface({ input: stdout }).on('line', (line) => {
      const addr = /^listening on (http:\/\/\S+)$/.exec(line)?.[1];
      if (addr === undefined) return;
      settle();
      resolve(addr);
    });
  });
  child.channel?.unref();
  return {
    url,
    pid: child.pid ?? -1,
    async stop(): Promise<void> {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

function serveError(res: ServerResponse, status: number, text: string): void {
  res
    .writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-go-pprof': '1', 'x-content-type-options': 'nosniff' })
    .end(`${text}\n`);
}

function serveBody(res: ServerResponse, body: Buffer | string, filename?: string): void {
  const headers =
    filename === undefined
      ? { 'content-type': 'text/plain; charset=utf-8' }
      : { 'content-type': 'application/octet-stream', 'content-disposition': `attachment; filename="${filename}"` };
  res.writeHead(200, { ...headers, 'x-content-type-options': 'nosniff' }).end(body);
}

/** Go's strconv.ParseInt(s, 10, 64), or undefined. */
function parseInt64(s: string | null): number | undefined {
  return s !== null && /^[+-]?\d{1,18}$/.test(s) ? Number(s) : undefined;
}

/** Resolves after `ms`, or as soon as the client goes away (Go's sleep(r, d)); true if the client is still there. */
function sleepWhileConnected(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve(!res.destroyed);
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

class Profiles {
  private cpuBusy = false;
  constructor(private readonly session: Session) {}

  async start(): Promise<void> {
    await this.session.post('Profiler.enable');
    await this.session.post('HeapProfiler.enable');
    await this.session.post('HeapProfiler.startSampling', { samplingInterval: HEAP_SAMPLING_BYTES });
  }

  /** GET /debug/pprof/profile?seconds=N (default 30), one at a time as in Go. */
  async cpu(res: ServerResponse, q: URLSearchParams): Promise<void> {
    const seconds = parseInt64(q.get('seconds')) ?? 0;
    if (this.cpuBusy) return serveError(res, 500, 'Could not enable CPU profiling: cpu profiling already in use');
    this.cpuBusy = true;
    try {
      await this.session.post('Profiler.setSamplingInterval', { interval: CPU_SAMPLING_US });
      await this.session.post('Profiler.start');
      const startedAt = Date.now();
      const connected = await sleepWhileConnected(res, (seconds > 0 ? seconds : 30) * 1000);
      const { profile } = await this.session.post('Profiler.stop');
      if (connected) serveBody(res, await encodePprof(collectCpu(profile, startedAt), CPU_SHAPE), 'profile');
    } finally {
      this.cpuBusy = false;
    }
  }

  private async heapNow(): Promise<Collected> {
    const { profile } = await this.session.post('HeapProfiler.getSamplingProfile');
    return collectHeap(profile as unknown as SamplingHeapProfile);
  }

  /** GET /debug/pprof/heap[?gc=1][&debug=1 | &seconds=N], with Go's parameter rules. */
  async heap(res: ServerResponse, q: URLSearchParams): Promise<void> {
    const debug = parseInt64(q.get('debug')) ?? 0;
    const secondsParam = q.get('seconds') ?? '';
    if (secondsParam !== '') {
      const seconds = parseInt64(secondsParam) ?? 0;
      if (seconds <= 0) return serveError(res, 400, 'invalid value for "seconds" - must be a positive integer');
      if (debug !== 0) return serveError(res, 400, 'seconds and debug params are incompatible');
      const before = await this.heapNow();
      if (!(await sleepWhileConnected(res, seconds * 1000))) return;
      return serveBody(res, await encodePprof(delta(before, await this.heapNow()), HEAP_SHAPE), 'heap-delta');
    }
    if ((parseInt64(q.get('gc')) ?? 0) > 0) await this.session.post('HeapProfiler.collectGarbage');
    const now = await this.heapNow();
    if (debug !== 0) return serveBody(res, renderText(now, HEAP_SHAPE));
    serveBody(res, await encodePprof(now, HEAP_SHAPE), 'heap');
  }
}

const INDEX = `<html><body>/debug/pprof/ of a Node app: <a href="profile?seconds=30">profile</a> (CPU), <a href="heap">heap</a> (live memory), <a href="cmdline">cmdline</a>, <a href="symbol">symbol</a>. No goroutine, allocs, block, mutex, threadcreate or trace.</body></html>\n`;

async function route(p: Profiles, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://app');
  if (!url.pathname.startsWith(PREFIX)) return serveError(res, 404, '404 page not found');
  const name = url.pathname.slice(PREFIX.length);
  if (req.method !== 'GET' && !(req.method === 'POST' && name === 'symbol')) return serveError(res, 405, 'Method Not Allowed');
  switch (name) {
    case '':
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(INDEX);
    case 'profile':
      return p.cpu(res, url.searchParams);
    case 'heap':
      return p.heap(res, url.searchParams);
    case 'cmdline':
      return serveBody(res, process.argv.join('\0'));
    case 'symbol':
      // Profiles here are symbolized already; "0" tells pprof there is nothing to look up.
      return serveBody(res, 'num_symbols: 0\n');
    default:
      return serveError(res, 404, 'Unknown profile');
  }
}

/** The child's main: workload, profilers, HTTP server on 127.0.0.1:0; exits on SIGTERM/SIGINT or when the parent goes. */
export async function serveNodeTarget(): Promise<void> {
  const workload = startWorkload();
  const session = new Session();
  session.connect();
  const profiles = new Profiles(session);
  await profiles.start();
  const server = createServer((req, res) => {
    route(profiles, req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else serveError(res, 500, (err as Error).message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  const shutdown = (): void => {
    workload.stop();
    setTimeout(() => process.exit(0), 2000).unref();
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  };
  process.once('SIGTERM', shutdown).once('SIGINT', shutdown).once('disconnect', shutdown);
}
