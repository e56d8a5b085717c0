// The one error for everything wrong with an execution trace. `kind` tells
// the cases apart: 'format' is a trace Go's own parser refuses too (the
// message is Go's wherever Go has one, so the two can be compared);
// 'unsupported' a real trace this parser does not read (Go 1.21 and older);
// 'limit' a trace over one of the caller's TraceLimits. The message is what
// users see.
export type TraceErrorKind = 'format' | 'unsupported' | 'limit';

export class TraceError extends Error {
  override readonly name = 'TraceError';

  constructor(
    readonly kind: TraceErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A 'format' error: the trace is broken the way Go's parser says. */
export const broken = (message: string): TraceError => new TraceError('format', message);
