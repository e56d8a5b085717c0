// What a caller lets one trace cost. Every allocation the parser makes is
// proportional to one of these, so a hostile trace is refused (TraceError of
// kind 'limit') before it can take more. Pure data.

export interface TraceLimits {
  /** Largest trace accepted, in bytes. */
  readonly maxBytes: number;
  /** Most events the parsed trace may hold (about 60 bytes each). */
  readonly maxEvents: number;
  /** Most memory, roughly, the string, stack and CPU-sample tables of all generations may take. */
  readonly maxTableBytes: number;
  /**
   * Most attempts the ordering may make to advance a thread, per event
   * emitted (plus a fixed allowance): a trace whose threads are so out of
   * order that each event takes trying many threads is refused instead of
   * taking quadratic time.
   */
  readonly maxAdvanceAttemptsPerEvent: number;
}

export const DEFAULT_TRACE_LIMITS: TraceLimits = {
  maxBytes: 256 << 20,
  maxEvents: 20_000_000,
  maxTableBytes: 512 << 20,
  maxAdvanceAttemptsPerEvent: 64,
};

/** Attempts allowed before any event is emitted (a generation's first events may all need a few tries). */
export const ADVANCE_ALLOWANCE = 1_000_000;
