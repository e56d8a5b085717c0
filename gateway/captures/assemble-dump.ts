// A goroutine dump capture's files (goroutine?debug=2): each pod's text is kept
// as Go wrote it — goroutines.txt for one pod, pods/<pod>.goroutines.txt for a
// workload — and read in a worker thread (src/goroutine-dump, bounded by the
// pod's byte cap and the worker's heap) into goroutine-dump.json: the
// goroutines grouped by state and stack, merged over the pods with each group's
// ids per pod. A pod whose text is no dump fails in the parser's words and its
// file goes; a dump cut short is kept and says so in the JSON.
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { failPod } from './pod-result.ts';
import { PodprofError, type ErrorCode } from '../../src/errors.ts';
import { DUMP_FILE, DUMP_TEXT_FILE } from './files.ts';
import type { JobResult, PodFile, ProfileJob } from './profile-jobs.ts';
import { isFanOut } from './request.ts';
import type { CaptureWriter } from './store.ts';

export interface DumpAssembly {
  readonly workers: { run(job: ProfileJob): Promise<JobResult> };
  /** Largest dump read (--max-profile-bytes: what a pod may send). */
  readonly maxDumpBytes: number;
}

export async function assembleDump(w: CaptureWriter, files: ReadonlyMap<string, string>, o: DumpAssembly): Promise<void> {
  const { meta } = w;
  const inputs: PodFile[] = [];
  for (const r of meta.pods) {
    const file = files.get(r.pod);
    if (r.status !== 'ok' || file === undefined) continue;
    inputs.push({ pod: r.pod, file: join(w.tmp, file), what: `the goroutine dump of ${meta.namespace}/${r.pod}` });
  }
  if (inputs.length === 0) return;
  const { failed = [] } = await o.workers.run({ kind: 'dump', inputs, out: join(w.tmp, DUMP_FILE), maxBytes: o.maxDumpBytes });
  for (const f of failed) {
    const r = meta.pods.find((p) => p.pod === f.pod)!;
    failPod(r, new PodprofError(f.code as ErrorCode, f.message));
    await rm(join(w.tmp, files.get(f.pod)!), { force: true });
  }
  const kept = meta.pods.filter((r) => r.status === 'ok' && files.has(r.pod));
  if (kept.length === 0) return;
  if (isFanOut(meta.target)) for (const r of kept) r.file = files.get(r.pod);
  else {
    await rename(join(w.tmp, files.get(kept[0]!.pod)!), join(w.tmp, DUMP_TEXT_FILE));
    meta.file = DUMP_TEXT_FILE;
  }
  meta.derived = [DUMP_FILE];
}
