// Turns the pods' answers (files in the capture's temp dir) into the stored
// capture: the single pod's profile as is, or every pod's profile under pods/
// plus one merged profile whose samples carry pod=<name>; traces in
// assemble-trace.ts, goroutine dumps (debug=2) in assemble-dump.ts.
// Decoding and merging run in worker threads (profile-workers.ts), so a hostile
// profile costs bounded memory and time and never blocks the event loop.
// Decides done / partial / failed.
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { failPod } from './pod-result.ts';
import type { PodFile, ProfileJob } from './profile-jobs.ts';
import type { ProfileWorkers } from './profile-workers.ts';
import type { CaptureWriter } from './store.ts';
import type { CaptureMeta, PodResult } from '../../src/api/types.ts';
import { assembleTrace } from './assemble-trace.ts';
import { assembleDump } from './assemble-dump.ts';
import { PROFILE_FILE } from './files.ts';
import { isFanOut } from './request.ts';

export interface AssembleOptions {
  /** Largest trace the workers analyse (--max-profile-bytes: what a pod may send). */
  readonly maxTraceBytes: number;
  /** Largest goroutine dump read (--max-profile-bytes). */
  readonly maxDumpBytes: number;
  readonly workers: Pick<ProfileWorkers, 'run'>;
  /** Cap on a profile's decompressed bytes (--max-decoded-bytes). */
  readonly maxDecodedBytes: number;
}

function finalStatus(meta: CaptureMeta): void {
  const ok = meta.pods.filter((p) => p.status === 'ok').length;
  if (meta.file !== undefined || (meta.derived?.length ?? 0) > 0) {
    meta.status = ok === meta.pods.length ? 'done' : 'partial';
    return;
  }
  meta.status = 'failed';
  meta.error ??= whyEveryPodFailed(meta);
}

function whyEveryPodFailed(meta: CaptureMeta): string {
  const first = meta.pods.find((p) => p.error !== undefined);
  if (meta.pods.length === 1) return `${first?.pod ?? 'the pod'}: ${first?.error ?? 'failed'}`;
  return `every pod failed; first: ${first?.pod ?? '?'}: ${first?.error ?? 'failed'}`;
}

/** Checks one pod's file in a worker; a bad profile fails the pod and its file goes. */
async function checked(
  w: CaptureWriter,
  r: PodResult,
  file: string,
  o: AssembleOptions,
): Promise<{ input: PodFile; totals: Record<string, string> } | undefined> {
  const input: PodFile = { pod: r.pod, file: join(w.tmp, file), what: `the profile of ${w.meta.namespace}/${r.pod}` };
  try {
    const { totals } = await o.workers.run({ kind: 'summarize', input, maxDecodedBytes: o.maxDecodedBytes } satisfies ProfileJob);
    return { input, totals };
  } catch (err) {
    const m = (err as Error).message;
    failPod(r, new Error(m.startsWith(input.what) ? m : `${input.what}: ${m}`));
    await rm(input.file, { force: true });
    return undefined;
  }
}

async function storeSingle(w: CaptureWriter, r: PodResult, file: string, o: AssembleOptions): Promise<void> {
  const { meta } = w;
  const ok = await checked(w, r, file, o);
  if (!ok) return;
  meta.totals = ok.totals;
  await rename(join(w.tmp, file), join(w.tmp, PROFILE_FILE));
  meta.file = PROFILE_FILE;
}

async function storeMerged(w: CaptureWriter, files: ReadonlyMap<string, string>, o: AssembleOptions): Promise<void> {
  const { meta } = w;
  const inputs: PodFile[] = [];
  for (const r of meta.pods) {
    const file = files.get(r.pod);
    if (r.status !== 'ok' || file === undefined) continue;
    const ok = await checked(w, r, file, o);
    if (!ok) continue;
    r.file = file;
    inputs.push(ok.input);
  }
  if (inputs.length === 0) return;
  try {
    const { totals } = await o.workers.run({ kind: 'merge', inputs, out: join(w.tmp, PROFILE_FILE), maxDecodedBytes: o.maxDecodedBytes });
    meta.file = PROFILE_FILE;
    meta.totals = totals;
  } catch (err) {
    // The pods' own profiles stay downloadable; there is just no merged one.
    await rm(join(w.tmp, PROFILE_FILE), { force: true });
    meta.error = `merging the profiles failed: ${(err as Error).message}`;
  }
}

/** Settles the capture's files in the writer's temp dir and its status; commit() publishes them. `files` are relative to the temp dir. */
export async function assemble(w: CaptureWriter, files: ReadonlyMap<string, string>, o: AssembleOptions): Promise<void> {
  const { meta } = w;
  if (meta.type === 'trace') {
    await assembleTrace(w, files, o);
  } else if (meta.type === 'goroutine' && meta.debug === 2) {
    await assembleDump(w, files, { workers: o.workers, maxDumpBytes: o.maxDumpBytes });
  } else if (!isFanOut(meta.target)) {
    const r = meta.pods[0];
    const file = r ? files.get(r.pod) : undefined;
    if (r && file && r.status === 'ok') await storeSingle(w, r, file, o);
  } else {
    await storeMerged(w, files, o);
  }
  finalStatus(meta);
  meta.finishedAt = new Date().toISOString();
}
