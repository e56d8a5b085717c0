// The merge part of the gateway benchmark: podprof's mergeProfiles (read +
// decode + merge + encode + write, as the gateway does after a fan-out) next to
// `go tool pprof -proto f1 … fN > out` on the same files, and the helpers that
// make the "busy replicas" input set.
import { processGroups } from '../lib/children.ts';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sample } from 'pprof-format';
import { decodeProfile } from '../../src/profile/decode.ts';
import { encodeProfile } from '../../src/profile/encode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { int64, namedTotals, toNumeric, totals } from '../../src/profile/values.ts';
import { mergeProfiles } from '../../src/profile/merge.ts';
import { MAX_DECODED_BYTES } from '../../src/profile/gunzip.ts';
import type { ProfileWorkers } from '../../gateway/captures/profile-workers.ts';
import { prng } from '../../test/kit/measure/prng.ts';

export interface MergeFile {
  /** Path of the input .pb.gz. */
  readonly path: string;
  /** The pod it came from: its samples get the label pod=<name>, as in the gateway. */
  readonly pod: string;
}

/** Process groups of the `go tool pprof` runs: killed whole at exit (bench/lib/children.ts). */
export const goGroups = processGroups;

const gunzip = nodeGunzip();

/** podprof's merge of the files into `out`, timed end to end (files read → merged file written, its totals summed as the gateway's merge job does); ms. */
export async function mergeWithPodprof(files: readonly MergeFile[], out: string): Promise<number> {
  const t0 = performance.now();
  const inputs = [];
  for (const f of files)
    inputs.push({ profile: await decodeProfile(readFileSync(f.path), gunzip, f.path), labels: { pod: f.pod }, name: f.pod });
  const merged = mergeProfiles(inputs);
  writeFileSync(out, encodeProfile(merged));
  namedTotals(merged);
  return performance.now() - t0;
}

/**
 * The same merge as the gateway runs it since issue 10: off the event loop, in a
 * worker thread with a capped heap — each pod's file checked on its own
 * (summarize), then one merge job (decode again, merge, encode, fsync); ms.
 */
export async function mergeInWorker(workers: ProfileWorkers, files: readonly MergeFile[], out: string): Promise<number> {
  const t0 = performance.now();
  const inputs = files.map((f) => ({ pod: f.pod, file: f.path, what: f.pod }));
  for (const input of inputs) await workers.run({ kind: 'summarize', input, maxDecodedBytes: MAX_DECODED_BYTES });
  await workers.run({ kind: 'merge', inputs, out, maxDecodedBytes: MAX_DECODED_BYTES });
  return performance.now() - t0;
}

/** `go tool pprof -proto FILES > out`, timed from spawn to exit; ms. `cmd` is ['go', 'tool', 'pprof'] or the pprof binary alone. */
export async function mergeWithGo(cmd: readonly string[], files: readonly MergeFile[], out: string): Promise<number> {
  const fd = openSync(out, 'w');
  try {
    const t0 = performance.now();
    const child = spawn(cmd[0]!, [...cmd.slice(1), '-proto', ...files.map((f) => f.path)], {
      stdio: ['ignore', fd, 'pipe'],
      detached: true, // own process group: killed with its pprof grandchild if the bench dies
      env: { ...process.env, PPROF_TMPDIR: tmpdir() },
    });
    if (child.pid !== undefined) goGroups.add(child.pid);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    const ms = performance.now() - t0;
    if (child.pid !== undefined) goGroups.delete(child.pid);
    if (code !== 0) throw new Error(`${cmd.join(' ')} -proto exited ${code}: ${stderr.slice(0, 500)}`);
    return ms;
  } finally {
    closeSync(fd);
  }
}

/** The pprof binary `go tool pprof` runs (Go builds and caches it), to time it without the go command in front. */
export function pprofBinary(): string | undefined {
  const r = spawnSync('go', ['tool', '-n', 'pprof'], { encoding: 'utf8' });
  const path = r.stdout?.trim();
  return r.status === 0 && path ? path : undefined;
}

/** Per-sample-type totals of a profile file, read with podprof's decoder. */
export async function fileTotals(path: string): Promise<bigint[]> {
  return totals(await decodeProfile(readFileSync(path), gunzip, path));
}

export interface ProfileShape {
  bytes: number;
  samples: number;
  locations: number;
  functions: number;
}

export async function shapeOf(path: string): Promise<ProfileShape> {
  const data = readFileSync(path);
  const p = await decodeProfile(data, gunzip, path);
  return { bytes: data.length, samples: p.sample.length, locations: p.location.length, functions: p.function.length };
}

/**
 * `n` replicas of one real CPU profile, as `n` pods of one Deployment would
 * differ: the same binary and stacks, each sample kept with probability 0.8 and
 * its values multiplied by 1–3, the start time shifted. Written as
 * dir/<pod>.pb.gz; the pods are named `${prefix}-<i>`.
 */
export async function replicaProfiles(seed: Uint8Array, n: number, dir: string, prefix: string): Promise<MergeFile[]> {
  const out: MergeFile[] = [];
  for (let i = 0; i < n; i++) {
    const rnd = prng(1000 + i);
    const p = await decodeProfile(seed, gunzip, 'the seed profile');
    p.sample = p.sample
      .filter(() => rnd() < 0.8)
      .map((s) => {
        const k = BigInt(1 + Math.floor(rnd() * 3));
        return new Sample({ locationId: s.locationId, label: s.label, value: s.value.map((v) => toNumeric(int64(v) * k)) });
      });
    p.timeNanos = toNumeric(int64(p.timeNanos) + BigInt(i) * 1_000_000n);
    const pod = `${prefix}-${i}`;
    const path = join(dir, `${pod}.pb.gz`);
    writeFileSync(path, encodeProfile(p));
    out.push({ path, pod });
  }
  return out;
}
