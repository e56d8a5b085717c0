// Interns sequences of int32s (a stack of location ids, a label's fields) as
// dense ids 0, 1, 2… in first-seen order: an open-addressing hash table over
// typed arrays, so looking a key up allocates nothing. Each key may carry a few
// ints of payload after it, stored but neither hashed nor compared. Pure.

function grow(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const next = new Int32Array(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}

function hashOf(key: Int32Array, len: number): number {
  let h = 0x811c9dc5 ^ len;
  for (let i = 0; i < len; i++) {
    h = Math.imul(h ^ key[i]!, 0x01000193);
    h ^= h >>> 15;
  }
  return Math.imul(h ^ (h >>> 13), 0x5bd1e995) ^ (h >>> 16);
}

export class IntKeys {
  /** Keys and payloads, back to back; entry `id` starts at start[id]. */
  pool = new Int32Array(1024);
  private used = 0;
  private starts = new Int32Array(256);
  private lengths = new Int32Array(256);
  private hashes = new Int32Array(256);
  /** id + 1 of the entry in each slot; 0 = empty. Size a power of two, at most half full. */
  private slots = new Int32Array(512);
  size = 0;

  start(id: number): number {
    return this.starts[id]!;
  }

  /** Length of entry `id`'s key (its payload not counted). */
  length(id: number): number {
    return this.lengths[id]!;
  }

  /** The id of key[0, len), or -1. */
  find(key: Int32Array, len: number): number {
    return this.lookup(key, len, hashOf(key, len));
  }

  /** Adds key[0, len), known to be absent, with key[len, len + payload) as payload; returns its id. */
  add(key: Int32Array, len: number, payload = 0): number {
    const id = this.size++;
    if (id === this.starts.length) {
      this.starts = grow(this.starts, id + 1);
      this.lengths = grow(this.lengths, id + 1);
      this.hashes = grow(this.hashes, id + 1);
    }
    const pool = (this.pool = grow(this.pool, this.used + len + payload));
    for (let i = 0; i < len + payload; i++) pool[this.used + i] = key[i]!;
    this.starts[id] = this.used;
    this.lengths[id] = len;
    this.hashes[id] = hashOf(key, len);
    this.used += len + payload;
    if (this.size * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(id);
    return id;
  }

  /** find, else add. */
  intern(key: Int32Array, len: number): number {
    const id = this.find(key, len);
    return id >= 0 ? id : this.add(key, len);
  }

  private lookup(key: Int32Array, len: number, hash: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot]! - 1;
      if (id < 0) return -1;
      if (this.hashes[id] === hash && this.equals(id, key, len)) return id;
    }
  }

  private equals(id: number, key: Int32Array, len: number): boolean {
    if (this.lengths[id] !== len) return false;
    const pool = this.pool;
    const at = this.starts[id]!;
    for (let i = 0; i < len; i++) if (pool[at + i] !== key[i]) return false;
    return true;
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[id]! & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = id + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let id = 0; id < this.size; id++) this.place(id);
  }
}
