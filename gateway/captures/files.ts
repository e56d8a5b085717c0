// The files a stored capture holds (besides meta.json), by name: the merged or
// single profile, a single pod's trace, each pod's own file under pods/, and
// what the gateway derives from traces. store.ts serves only these names.
import type { TracePprofKind } from '../../src/trace/pprof.ts';

export const PROFILE_FILE = 'profile.pb.gz';
export const TRACE_FILE = 'trace.out';
/** A trace capture's goroutine groups per pod: { "pods": { "<pod>": GoroutineGroup[] } }. */
export const GOROUTINES_FILE = 'goroutines.json';

/** A goroutine dump capture's one pod's dump, as Go wrote it (goroutine?debug=2). */
export const DUMP_TEXT_FILE = 'goroutines.txt';
/** A goroutine dump capture's groups, merged over its pods (src/goroutine-dump GoroutineDumpSummary). */
export const DUMP_FILE = 'goroutine-dump.json';

/** A trace capture's blocking profile of one kind (merged over its pods, each sample labelled with its pod). */
export const traceProfileFile = (kind: TracePprofKind): string => `trace-${kind}.pb.gz`;

/** pods/<name>.pb.gz (a trace: pods/<name>.trace.out; a goroutine dump: pods/<name>.goroutines.txt), with anything outside a DNS name replaced. */
export function podFile(pod: string, type = 'profile', debug?: number): string {
  let ext = type === 'trace' ? '.trace.out' : '.pb.gz';
  if (type === 'goroutine' && debug === 2) ext = '.goroutines.txt';
  return `pods/${pod.replace(/[^a-z0-9.-]/g, '_').replace(/^\./, '_')}${ext}`;
}

/** The only file names a capture may hold (meta.json aside). */
export const STORED_FILE =
  /^(profile\.pb\.gz|trace\.out|goroutines\.json|goroutines\.txt|goroutine-dump\.json|trace-(net|sync|syscall|sched)\.pb\.gz|pods\/[a-z0-9_-][a-z0-9._-]*\.(pb\.gz|trace\.out|goroutines\.txt))$/;
