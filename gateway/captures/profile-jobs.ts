// The work a capture does on its pods' profiles, run inside a worker thread
// (profile-workers.ts): read a pod's file, gunzip it under a size cap, decode it,
// and either sum its samples or merge several into one file. Everything here is
// bounded by the caller: the cap on decompressed bytes, and the worker's heap.
import { readFile } from 'node:fs/promises';
import { decodeProfile } from '../../src/profile/decode.ts';
import { encodeProfile } from '../../src/profile/encode.ts';
import { mergeProfiles, type MergeInput } from '../../src/profile/merge.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { namedTotals } from '../../src/profile/values.ts';
import { writeDurable } from './fs-atomic.ts';
import { analyseTraceBytes, TRACE_PPROF_KINDS } from '../../src/trace/analyse.ts';
import type { GoroutineGroup } from '../../src/trace/goroutine-groups.ts';
import { DEFAULT_TRACE_LIMITS } from '../../src/trace/limits.ts';
import { DEFAULT_DUMP_LIMITS, parseGoroutineDump, type ParsedDump } from '../../src/goroutine-dump/parse.ts';
import { groupDumps } from '../../src/goroutine-dump/group.ts';

export interface PodFile {
  readonly pod: string;
  readonly file: string;
  /** Names the profile in errors ("the profile of team-a/web-1"). */
  readonly what: string;
}

export type ProfileJob =
  | { readonly kind: 'summarize'; readonly input: PodFile; readonly maxDecodedBytes: number }
  | { readonly kind: 'merge'; readonly inputs: readonly PodFile[]; readonly out: string; readonly maxDecodedBytes: number }
  | TraceJob
  | DumpJob;

/**
 * Goroutine dumps (goroutine?debug=2 text) read (src/goroutine-dump, bounded by `maxBytes` per dump and the
 * worker's heap) and grouped over the pods into `out` (JSON); a pod whose text is no dump is named in `failed`.
 */
export interface DumpJob {
  readonly kind: 'dump';
  readonly inputs: readonly PodFile[];
  readonly out: string;
  readonly maxBytes: number;
}

/**
 * An execution trace checked and analysed (src/trace, bounded by `maxBytes` and the worker's heap): its four
 * blocking profiles written to `${outPrefix}<kind>.pb.gz`, and its goroutine groups returned.
 */
export interface TraceJob {
  readonly kind: 'trace';
  readonly input: PodFile;
  readonly outPrefix: string;
  readonly maxBytes: number;
}

export interface JobResult {
  /** Per sample type totals of the profile (summarize) or of the merged one (merge). */
  readonly totals: Record<string, string>;
  /** A trace's goroutine groups, as `podprof trace goroutines` prints them. */
  readonly groups?: readonly GoroutineGroup[];
  /** A dump job's pods whose text is no goroutine dump podprof can read, and why. */
  readonly failed?: readonly { readonly pod: string; readonly code: string; readonly message: string }[];
}

async function groupDumpFiles(job: DumpJob): Promise<JobResult> {
  const dumps: { pod: string; dump: ParsedDump }[] = [];
  const failed: { pod: string; code: string; message: string }[] = [];
  for (const f of job.inputs) {
    try {
      const text = new TextDecoder('utf-8').decode(await readFile(f.file));
      dumps.push({ pod: f.pod, dump: parseGoroutineDump(text, { ...DEFAULT_DUMP_LIMITS, maxBytes: job.maxBytes }) });
    } catch (err) {
      failed.push({ pod: f.pod, code: 'PODPROF_BAD_GOROUTINE_DUMP', message: `${f.what}: ${(err as Error).message}` });
    }
  }
  if (dumps.length > 0) await writeDurable(job.out, Buffer.from(JSON.stringify(groupDumps(dumps))));
  return { totals: {}, failed };
}

async function decodeFile(f: PodFile, maxDecodedBytes: number): Promise<Awaited<ReturnType<typeof decodeProfile>>> {
  return decodeProfile(await readFile(f.file), nodeGunzip(maxDecodedBytes, '--max-decoded-bytes'), f.what);
}

async function analyseTrace(job: TraceJob): Promise<JobResult> {
  const bytes = new Uint8Array(await readFile(job.input.file));
  let analysis: ReturnType<typeof analyseTraceBytes>;
  try {
    analysis = analyseTraceBytes(bytes, { ...DEFAULT_TRACE_LIMITS, maxBytes: job.maxBytes });
  } catch (err) {
    throw new Error(`${job.input.what} is not a trace podprof can read: ${(err as Error).message}`, { cause: err });
  }
  for (const kind of TRACE_PPROF_KINDS) await writeDurable(`${job.outPrefix}${kind}.pb.gz`, encodeProfile(analysis.profiles[kind]));
  return { totals: {}, groups: analysis.groups };
}

export async function runProfileJob(job: ProfileJob): Promise<JobResult> {
  if (job.kind === 'trace') return analyseTrace(job);
  if (job.kind === 'dump') return groupDumpFiles(job);
  if (job.kind === 'summarize') return { totals: namedTotals(await decodeFile(job.input, job.maxDecodedBytes)) };
  const inputs: MergeInput[] = [];
  for (const f of job.inputs) inputs.push({ profile: await decodeFile(f, job.maxDecodedBytes), labels: { pod: f.pod }, name: f.what });
  const merged = mergeProfiles(inputs);
  await writeDurable(job.out, encodeProfile(merged));
  return { totals: namedTotals(merged) };
}
