// The Node demo app's synthetic workload: about 30% of one core spent in a few
// named functions (so CPU profiles have something to show) and a bounded live
// set of records plus short-lived garbage (so heap profiles do too).
// The names are distinctive on purpose: the bundler keeps them, and tests look for them.

const TICK_MS = 100;
const BUSY_MS = 30;
const LIVE_RECORDS = 4096;
const BLOCK_BYTES = 4096;

interface DemoRecord {
  readonly id: number;
  readonly name: string;
  readonly tags: readonly string[];
  readonly values: readonly number[];
}

export interface Workload {
  /** Folds the results together, so no engine can drop the work as dead code. */
  checksum(): number;
  stop(): void;
}

/** Naive recursive Fibonacci: pure JS CPU time with a deep, recognisable stack. */
export function busyFibonacci(n: number): number {
  return n < 2 ? n : busyFibonacci(n - 1) + busyFibonacci(n - 2);
}

/** FNV-1a over a block, `rounds` times: a tight loop of integer arithmetic. */
export function busyHashing(block: Uint8Array, rounds: number): number {
  let h = 0x811c9dc5;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < block.length; i++) {
      h ^= block[i] ?? 0;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h;
}

/** Replaces `count` records of the live ring (the old ones become garbage) and builds some temporary garbage. */
export function churnAllocations(live: DemoRecord[], next: number, count: number): number {
  let seq = next;
  for (let i = 0; i < count; i++, seq++) {
    const values = Array.from({ length: 32 }, (_, k) => seq * k);
    live[seq % LIVE_RECORDS] = { id: seq, name: `record-${seq}`, tags: [`t${seq % 7}`, `shard-${seq % 13}`], values };
  }
  const scratch = JSON.stringify(live.slice(0, 8));
  return seq + (scratch.length > 0 ? 0 : 1);
}

/** Runs the workload on this thread's event loop until stop(). */
export function startWorkload(): Workload {
  const live: DemoRecord[] = [];
  const block = new Uint8Array(BLOCK_BYTES).map((_, i) => (i * 31) & 0xff);
  let next = 0;
  let sink = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const end = performance.now() + BUSY_MS;
    while (performance.now() < end) {
      sink ^= busyFibonacci(18);
      sink ^= busyHashing(block, 2);
      next = churnAllocations(live, next, 4);
    }
    timer = setTimeout(tick, TICK_MS - BUSY_MS);
  };
  timer = setTimeout(tick, 0);
  return {
    checksum: (): number => sink,
    stop(): void {
      clearTimeout(timer);
      live.length = 0;
    },
  };
}
