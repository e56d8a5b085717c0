// A small bounded TTL cache: when full, the least recently used entry goes.
// A flood of new keys (made-up tokens from many addresses) then pushes out
// entries nobody uses before the ones signed-in users keep reading.
export class TtlCache<V> {
  /** In use order: the least recently used first (a Map keeps insertion order). */
  private readonly map = new Map<string, { value: V; until: number }>();

  constructor(private readonly max: number) {}

  get(key: string, now = Date.now()): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    if (e.until < now) return undefined;
    this.map.set(key, e); // now the most recently used
    return e.value;
  }

  set(key: string, value: V, ttlMs: number, now = Date.now()): void {
    this.map.delete(key);
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, { value, until: now + ttlMs });
  }

  get size(): number {
    return this.map.size;
  }
}
