// The benchmarks' trace (bench:trace, bench:ui-trace): demo/go-app under load
// from bench/trace/load (keep-alive clients on loopback, so the trace is dense
// with scheduling, network and syscall events), recorded with
// /debug/pprof/trace for as many seconds as make about 5 MB (a 1 s probe
// measures the rate). Kept in the podprof cache and reused.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildGo, cacheDir } from '../../demo/go-build.ts';
import { startGoTarget } from '../../demo/go-target.ts';

const execFileP = promisify(execFile);
const HERE = fileURLToPath(new URL('./', import.meta.url));
const CFG = { targetBytes: 5 << 20, maxSeconds: 40, loadClients: 8 };

async function fetchTrace(url: string, seconds: number): Promise<Buffer> {
  const res = await fetch(`${url}/debug/pprof/trace?seconds=${seconds}`);
  if (!res.ok) throw new Error(`trace: ${res.status} ${await res.text()}`);
  return Buffer.from(await res.arrayBuffer());
}

/** A trace of the demo app under load, about CFG.targetBytes. */
export async function recordTrace(file: string): Promise<void> {
  const load = await buildGo(`${HERE}load/`, 'traceload');
  const target = await startGoTarget({ args: ['-cpu-workers', '1'] });
  try {
    const loaded = async (seconds: number): Promise<Buffer> => {
      const clients = execFileP(load, [
        '-url',
        `${target.url}/debug/pprof/cmdline`,
        '-clients',
        String(CFG.loadClients),
        '-duration',
        `${seconds + 2}s`,
      ]);
      await new Promise((r) => setTimeout(r, 500));
      const trace = await fetchTrace(target.url, seconds);
      await clients;
      return trace;
    };
    const probe = await loaded(1);
    const seconds = Math.min(CFG.maxSeconds, Math.max(1, Math.round(CFG.targetBytes / probe.length)));
    console.log(`probe: ${probe.length} bytes in 1 s; recording ${seconds} s`);
    writeFileSync(file, await loaded(seconds));
  } finally {
    await target.stop();
  }
}

/** The cached benchmark trace's path, recorded first if missing (or when `refresh`). */
export async function benchTrace(refresh = false): Promise<string> {
  const dir = join(cacheDir(), 'trace-bench');
  mkdirSync(dir, { recursive: true });
  const trace = join(dir, 'demo.trace');
  if (refresh || !existsSync(trace)) await recordTrace(trace);
  return trace;
}
