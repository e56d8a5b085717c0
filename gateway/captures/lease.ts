// When a running capture's owner is taken for gone. The owner rewrites the
// capture's lease.json every renew interval with a counter one higher; every
// other replica remembers when, by its own clock, it last saw that counter
// change, and takes the owner for gone once it has not changed for the bound
// (3 renew intervals by default). No replica compares its clock with
// another's, so clock skew between replicas cannot expire a live lease; a
// replica that just started waits one whole bound before it may decide.
export interface Lease {
  /** The replica running the capture (its --replica-id-like name, for the log). */
  readonly owner: string;
  /** Raised by one at every renewal. */
  readonly seq: number;
  /** The owner's clock at this renewal (for people reading the bucket; never compared). */
  readonly at: string;
}

/** What this replica knows of a lease: the counter it last saw, and since when (its own clock, ms). */
export interface LeaseSighting {
  readonly seq: number;
  readonly since: number;
}

/** The sighting after reading the lease at `now` (seq -1: no lease object). */
export function sight(prev: LeaseSighting | undefined, seq: number, now: number): LeaseSighting {
  return prev !== undefined && prev.seq === seq ? prev : { seq, since: now };
}

/** True once the lease has not moved for `boundMs` by this replica's clock. */
export function leaseExpired(s: LeaseSighting, now: number, boundMs: number): boolean {
  return now - s.since >= boundMs;
}

/** The lease's counter, or -1 for a missing or unreadable lease (it expires like one that stopped). */
export function leaseSeq(body: Uint8Array | undefined): number {
  if (body === undefined) return -1;
  try {
    const l = JSON.parse(Buffer.from(body).toString('utf8')) as Partial<Lease>;
    return typeof l.seq === 'number' && Number.isSafeInteger(l.seq) ? l.seq : -1;
  } catch {
    return -1;
  }
}
