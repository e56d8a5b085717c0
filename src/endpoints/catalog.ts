// The profile catalog of Go's net/http/pprof (docs/design.md §2.2), shared by sidecar and gateway.

export const PROFILE_TYPES = [
  'profile',
  'trace',
  'heap',
  'allocs',
  'goroutine',
  'block',
  'mutex',
  'threadcreate',
  'cmdline',
  'symbol',
] as const;

export type ProfileType = (typeof PROFILE_TYPES)[number];

/** Go's own parameters, and podprof's `flight` (a trace from the app's flight recorder, docs/design.md §2.2). */
export type ParamName = 'seconds' | 'gc' | 'debug' | 'flight';

export interface ProfileSpec {
  /** Parameters Go's handler reads; anything else is rejected. */
  readonly params: readonly ParamName[];
  /** A timed capture that holds a process-wide profiler: one at a time. */
  readonly exclusive: boolean;
  /** Default `seconds` Go applies when the parameter is absent (timed captures only). */
  readonly defaultSeconds?: number;
  /** `seconds` may be fractional (trace). */
  readonly fractionalSeconds?: boolean;
  readonly maxDebug?: number;
  readonly methods: readonly string[];
  /** The response is a pprof protobuf (gzipped) unless debug > 0. */
  readonly proto: boolean;
  readonly description: string;
}

const SNAPSHOT = { exclusive: false, methods: ['GET'], proto: true } as const;

export const CATALOG: Readonly<Record<ProfileType, ProfileSpec>> = {
  profile: { params: ['seconds'], exclusive: true, defaultSeconds: 30, methods: ['GET'], proto: true, description: 'CPU profile' },
  trace: {
    params: ['seconds', 'flight'],
    exclusive: true,
    defaultSeconds: 1,
    fractionalSeconds: true,
    methods: ['GET'],
    proto: false,
    description: 'execution trace (go tool trace)',
  },
  heap: { ...SNAPSHOT, params: ['gc', 'seconds', 'debug'], maxDebug: 2, description: 'live and allocated memory' },
  allocs: { ...SNAPSHOT, params: ['seconds', 'debug'], maxDebug: 2, description: 'all past allocations' },
  goroutine: { ...SNAPSHOT, params: ['seconds', 'debug'], maxDebug: 2, description: 'stacks of all goroutines' },
  block: {
    ...SNAPSHOT,
    params: ['seconds', 'debug'],
    maxDebug: 1,
    description: 'blocking on synchronization (needs runtime.SetBlockProfileRate)',
  },
  mutex: {
    ...SNAPSHOT,
    params: ['seconds', 'debug'],
    maxDebug: 1,
    description: 'mutex contention (needs runtime.SetMutexProfileFraction)',
  },
  threadcreate: { ...SNAPSHOT, params: ['seconds', 'debug'], maxDebug: 1, description: 'stacks that created OS threads' },
  cmdline: { params: [], exclusive: false, methods: ['GET'], proto: false, description: 'process arguments (may hold secrets)' },
  symbol: {
    params: [],
    exclusive: false,
    methods: ['GET', 'POST'],
    proto: false,
    description: 'address to symbol lookup, used by go tool pprof',
  },
};

export const DEFAULT_PROFILES: readonly ProfileType[] = PROFILE_TYPES.filter((t) => t !== 'cmdline');

export function isProfileType(s: string): s is ProfileType {
  return (PROFILE_TYPES as readonly string[]).includes(s);
}

export function parseProfileType(raw: string): ProfileType {
  if (!isProfileType(raw)) throw new Error(`want one of ${PROFILE_TYPES.join(', ')}`);
  return raw;
}
