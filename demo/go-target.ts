// Builds and runs the demo's Go app (demo/go-app): a real net/http/pprof server
// that tests, benchmarks and `podprof demo` all profile.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { buildGo } from './go-build.ts';

// From demo/ in a checkout, or from dist/ when bundled into `podprof demo`.
const FIXTURE_DIR =
  ['./go-app/', '../demo/go-app/']
    .map((rel) => fileURLToPath(new URL(rel, import.meta.url)))
    .find((dir) => existsSync(join(dir, 'main.go'))) ?? fileURLToPath(new URL('./go-app/', import.meta.url));
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;

export interface GoTarget {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  host: string;
  port: number;
  pid: number;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface StartGoTargetOptions {
  /** Address for -listen; defaults to 127.0.0.1:0. */
  listen?: string;
  /** Extra flags, e.g. ['-workload=false', '-pprof-prefix', '/x']. */
  args?: string[];
}

/** Builds the fixture (cached by source + `go version` hash) and returns the binary path. */
export function buildGoTarget(): Promise<string> {
  return buildGo(FIXTURE_DIR, 'target');
}

/** Spawns the fixture and resolves once it prints its `listening on` line. */
export async function startGoTarget(opts: StartGoTargetOptions = {}): Promise<GoTarget> {
  const bin = await buildGoTarget();
  const args = ['-listen', opts.listen ?? '127.0.0.1:0', ...(opts.args ?? [])];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-16_384);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      child.off('close', onExit);
      return true;
    };
    const fail = (why: string): void => {
      if (!settle()) return;
      child.kill('SIGKILL');
      reject(new Error(`go target ${bin} ${args.join(' ')}: ${why}\nstderr:\n${stderr}`));
    };
    const onExit = (code: number | null, signal: string | null): void => fail(`exited early (code ${code}, signal ${signal})`);
    const timer = setTimeout(() => fail(`no "listening on" line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.once('error', (err) => fail(`spawn failed: ${err.message}`));
    child.once('close', onExit);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const addr = /^listening on (http:\/\/\S+)$/.exec(line)?.[1];
      if (addr !== undefined && settle()) resolve(addr);
    });
  });

  const parsed = new URL(url);
  return {
    url,
    host: parsed.hostname,
    port: Number(parsed.port),
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
