// A trace capture's files: each pod's trace is checked and analysed in a
// worker thread (src/trace, bounded by the pod's byte cap and the worker's
// heap; a trace the parser refuses fails that pod in its words), then stored
// as trace.out (one pod) or pods/<pod>.trace.out (a workload traced in the
// same window), with what the gateway derives: the four blocking profiles of
// `go tool trace -pprof` (merged over the pods, each sample labelled pod=<name>)
// and the goroutine groups of each pod (goroutines.json).
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureMeta } from '../../src/api/types.ts';
import type { GoroutineGroup } from '../../src/trace/goroutine-groups.ts';
import { TRACE_PPROF_KINDS } from '../../src/trace/analyse.ts';
import { writeDurable } from './fs-atomic.ts';
import { GOROUTINES_FILE, traceProfileFile, TRACE_FILE } from './files.ts';
import { failPod } from './pod-result.ts';
import type { PodFile, ProfileJob, JobResult } from './profile-jobs.ts';
import { isFanOut } from './request.ts';
import type { CaptureWriter } from './store.ts';

export interface TraceAssembly {
  readonly workers: { run(job: ProfileJob): Promise<JobResult> };
  readonly maxDecodedBytes: number;
  readonly maxTraceBytes: number;
}

interface Analysed {
  readonly pod: string;
  /** The pod's four profiles: `${prefix}<kind>.pb.gz`, in the temp dir. */
  readonly prefix: string;
  readonly groups: readonly GoroutineGroup[];
}

/** One pod's trace through a worker; undefined (the pod failed, its file gone) when it is no trace podprof can read. */
async function analysed(w: CaptureWriter, pod: CaptureMeta['pods'][number], file: string, o: TraceAssembly): Promise<Analysed | undefined> {
  const input: PodFile = { pod: pod.pod, file: join(w.tmp, file), what: `the trace of ${w.meta.namespace}/${pod.pod}` };
  const prefix = join(w.tmp, `${file}.`);
  try {
    const { groups = [] } = await o.workers.run({ kind: 'trace', input, outPrefix: prefix, maxBytes: o.maxTraceBytes });
    return { pod: pod.pod, prefix, groups };
  } catch (err) {
    failPod(pod, err);
    await rm(input.file, { force: true });
    await Promise.all(TRACE_PPROF_KINDS.map((k) => rm(`${prefix}${k}.pb.gz`, { force: true })));
    return undefined;
  }
}

/** The derived profiles: one pod's as they are, several pods' merged (each sample labelled with its pod). */
async function deriveProfiles(w: CaptureWriter, pods: readonly Analysed[], o: TraceAssembly): Promise<string[]> {
  const out: string[] = [];
  for (const kind of TRACE_PPROF_KINDS) {
    const target = join(w.tmp, traceProfileFile(kind));
    if (pods.length === 1 && !isFanOut(w.meta.target)) {
      await rename(`${pods[0]!.prefix}${kind}.pb.gz`, target);
    } else {
      const inputs = pods.map((p) => ({
        pod: p.pod,
        file: `${p.prefix}${kind}.pb.gz`,
        what: `the ${kind} profile of ${w.meta.namespace}/${p.pod}'s trace`,
      }));
      await o.workers.run({ kind: 'merge', inputs, out: target, maxDecodedBytes: o.maxDecodedBytes });
      await Promise.all(inputs.map((i) => rm(i.file, { force: true })));
    }
    out.push(traceProfileFile(kind));
  }
  return out;
}

export async function assembleTrace(w: CaptureWriter, files: ReadonlyMap<string, string>, o: TraceAssembly): Promise<void> {
  const { meta } = w;
  const pods: Analysed[] = [];
  for (const r of meta.pods) {
    const file = files.get(r.pod);
    if (r.status !== 'ok' || file === undefined) continue;
    const a = await analysed(w, r, file, o);
    if (!a) continue;
    pods.push(a);
    if (isFanOut(meta.target)) r.file = file;
    else {
      await rename(join(w.tmp, file), join(w.tmp, TRACE_FILE));
      meta.file = TRACE_FILE;
    }
  }
  if (pods.length === 0) return;
  try {
    const derived = await deriveProfiles(w, pods, o);
    await writeDurable(
      join(w.tmp, GOROUTINES_FILE),
      Buffer.from(JSON.stringify({ pods: Object.fromEntries(pods.map((p) => [p.pod, p.groups])) })),
    );
    meta.derived = [...derived, GOROUTINES_FILE];
  } catch (err) {
    // The pods' traces stay downloadable; there is just nothing derived from them.
    meta.error = `analysing the traces failed: ${(err as Error).message}`;
  }
}
