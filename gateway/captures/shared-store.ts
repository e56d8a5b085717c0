// The capture store on an ObjectStore that gateway replicas share (an S3
// bucket with --store s3://…; any ObjectStore, a directory too, in tests).
// Keys: object-keys.ts. Every replica lists, reads, downloads and deletes every
// capture; the routes' RBAC is the same as with one replica.
//
// Writing (the replica that runs a capture, its "owner"): begin() writes the
// lease, then meta.json as running; while it runs, every renew interval the
// lease's counter goes up and meta.json is rewritten when its pods' progress
// changed. The pods' files land in a local scratch directory as with the
// directory store; commit() uploads them, then creates end.json (putIfAbsent)
// holding the final meta, then replaces meta.json with it: meta.json names
// only objects already uploaded, so no replica ever lists half a capture.
//
// Reading (every replica): an in-memory index refreshed from the store every
// refresh interval (one LIST of captures/, plus one GET of meta.json per new
// or running capture and of lease.json per running one); a miss on an id waits
// for the next refresh rather than answering 404 at once. A running capture
// whose lease has not moved for the lease bound (lease.ts) is ended by whoever
// creates its end.json first (putIfAbsent): the owner committing, or a replica
// marking it failed ("the replica running it stopped"); the loser adopts the
// winner's end.json. A meta.json still running beside an end.json (its owner
// stopped between the two writes) is repaired from end.json.
//
// The store unreachable: the last refresh failed, so list/get answer 503
// (PODPROF_STORE_UNAVAILABLE) rather than a stale index, health() says so for
// /readyz, and the next refresh that succeeds puts it right, without a restart.
//
// Limits (store-limits.ts) are applied by every replica on its own index after
// each refresh: exact within one refresh interval; captures that finish at
// once on several replicas may overshoot a quota until the next sweep, by at
// most the captures in flight.
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PodprofError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { StoreUnavailable, type ObjectStore } from '../shared/object-store.ts';
import { CAPTURES, capturePrefix, endKey, fileKey, leaseKey, metaKey, parseKey } from './object-keys.ts';
import { filesUnder, writeDurable } from './fs-atomic.ts';
import { leaseExpired, leaseSeq, sight, type Lease, type LeaseSighting } from './lease.ts';
import { evictions, storeFull, type StoreLimits } from './store-limits.ts';
import { STORED_FILE } from './files.ts';
import type { CaptureWriter } from './store.ts';

export const REPLICA_STOPPED = 'the gateway replica running this capture stopped before it finished';

export interface SharedStoreOptions {
  /** A local directory for the files of captures in flight (wiped at open). */
  readonly scratch: string;
  /** This replica's name in leases and logs (default: random). */
  readonly replica?: string;
  /** How often the index is refreshed from the store (default 500 ms). */
  readonly refreshMs?: number;
  /** How often an owner renews its leases (default 2 s); a lease unmoved for 3 of these is expired. */
  readonly renewMs?: number;
}

interface Entry {
  readonly meta: CaptureMeta;
  /** The JSON last read, to skip re-parsing an unchanged running meta. */
  readonly text: string;
}

/** The failed meta a capture whose owner stopped is ended with. */
export function interrupted(meta: CaptureMeta, why = REPLICA_STOPPED): CaptureMeta {
  return {
    ...meta,
    status: 'failed',
    error: why,
    file: undefined,
    derived: undefined,
    bytes: 0,
    totals: undefined,
    finishedAt: new Date().toISOString(),
    pods: meta.pods.map((p) =>
      p.status === 'pending' || p.status === 'running' ? { ...p, status: 'failed', error: why } : { ...p, file: undefined },
    ),
  };
}

function parseMeta(body: Uint8Array | undefined, id: string): { meta: CaptureMeta; text: string } | undefined {
  if (body === undefined) return undefined;
  const text = Buffer.from(body).toString('utf8');
  try {
    const meta = JSON.parse(text) as CaptureMeta;
    if (meta.id !== id || typeof meta.status !== 'string' || !Array.isArray(meta.pods)) return undefined;
    return { meta, text };
  } catch {
    return undefined;
  }
}

const snapshot = (meta: CaptureMeta): CaptureMeta => ({ ...structuredClone(meta), status: 'running', file: undefined, totals: undefined });

class SharedCaptureWriter implements CaptureWriter {
  seq = 0;
  /** meta.json as last written, to rewrite it only when progress changed. */
  written = '';
  /** The renewal in flight, which commit waits for so no progress write lands after the final meta. */
  renewing: Promise<void> = Promise.resolve();
  ending = false;

  constructor(
    private readonly store: SharedCaptureStore,
    readonly meta: CaptureMeta,
    readonly tmp: string,
  ) {}

  write(name: string, data: Uint8Array): Promise<void> {
    return writeDurable(join(this.tmp, name), data);
  }

  commit(): Promise<CaptureMeta> {
    return this.store.commit(this);
  }
}

export class SharedCaptureStore {
  private index = new Map<string, Entry>();
  private readonly live = new Map<string, SharedCaptureWriter>();
  private readonly sightings = new Map<string, LeaseSighting>();
  /** Commits (the entry) and deletes (undefined) made here since the current refresh began. */
  private readonly changed = new Map<string, Entry | undefined>();
  private down: StoreUnavailable | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly replica: string;
  private readonly refreshMs: number;
  private readonly renewMs: number;

  private constructor(
    readonly objects: ObjectStore,
    readonly limits: StoreLimits,
    private readonly log: Logger,
    private readonly o: SharedStoreOptions,
  ) {
    this.replica = o.replica ?? `replica-${randomBytes(4).toString('hex')}`;
    this.refreshMs = o.refreshMs ?? 500;
    this.renewMs = o.renewMs ?? 2000;
  }

  /** Opens the store; an unreachable object store does not fail this: the store reports it and catches up when it answers. */
  static async open(objects: ObjectStore, limits: StoreLimits, log: Logger, o: SharedStoreOptions): Promise<SharedCaptureStore> {
    await rm(o.scratch, { recursive: true, force: true });
    await mkdir(o.scratch, { recursive: true, mode: 0o700 });
    const s = new SharedCaptureStore(objects, limits, log, o);
    await s.refresh();
    const tick = (): void => {
      if (s.closed) return;
      void s.refresh().finally(() => {
        if (!s.closed) s.refreshTimer = setTimeout(tick, s.refreshMs).unref();
      });
    };
    s.refreshTimer = setTimeout(tick, s.refreshMs).unref();
    s.renewTimer = setInterval(() => void s.renew(), s.renewMs).unref();
    return s;
  }

  /** The lease bound: a running capture whose lease has not moved this long is ended as failed. */
  get leaseBoundMs(): number {
    return 3 * this.renewMs;
  }

  private ensureUp(): void {
    if (this.down) throw new PodprofError('PODPROF_STORE_UNAVAILABLE', `the capture store cannot be reached: ${this.down.message}`);
  }

  private lease(w: SharedCaptureWriter): string {
    const l: Lease = { owner: this.replica, seq: w.seq, at: new Date().toISOString() };
    return JSON.stringify(l);
  }

  async begin(meta: CaptureMeta): Promise<CaptureWriter> {
    this.ensureUp();
    const tmp = join(this.o.scratch, meta.id);
    const w = new SharedCaptureWriter(this, meta, tmp);
    w.written = JSON.stringify(snapshot(meta), null, 2);
    try {
      await this.objects.put(leaseKey(meta.namespace, meta.id), this.lease(w));
      await this.objects.put(metaKey(meta.namespace, meta.id), w.written);
    } catch (err) {
      throw err instanceof StoreUnavailable ? new PodprofError('PODPROF_STORE_UNAVAILABLE', err.message) : err;
    }
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    this.live.set(meta.id, w);
    return w;
  }

  /** Drops a capture begun but not to be stored (an upload that is no profile): its meta and lease go, and it is never listed. */
  async abandon(w: CaptureWriter): Promise<void> {
    const { namespace, id } = w.meta;
    const mine = this.live.get(id);
    if (mine) {
      mine.ending = true;
      await mine.renewing;
    }
    this.live.delete(id);
    await rm(w.tmp, { recursive: true, force: true });
    try {
      await this.objects.delete(metaKey(namespace, id));
      await this.objects.delete(leaseKey(namespace, id));
    } catch (err) {
      throw err instanceof StoreUnavailable ? new PodprofError('PODPROF_STORE_UNAVAILABLE', err.message) : err;
    }
  }

  /** Renews every lease this replica holds, and rewrites the meta.json of those whose progress changed. */
  private async renew(): Promise<void> {
    await Promise.all(
      [...this.live.values()].map((w) => {
        if (w.ending) return Promise.resolve();
        w.seq += 1;
        const text = JSON.stringify(snapshot(w.meta), null, 2);
        w.renewing = (async (): Promise<void> => {
          try {
            await this.objects.put(leaseKey(w.meta.namespace, w.meta.id), this.lease(w));
            if (text !== w.written && !w.ending) {
              await this.objects.put(metaKey(w.meta.namespace, w.meta.id), text);
              w.written = text;
            }
          } catch (err) {
            this.log.warn(
              { err: (err as Error).message, capture: w.meta.id },
              'capture store: renewing the lease of a running capture failed',
            );
          }
        })();
        return w.renewing;
      }),
    );
  }

  /** Uploads the capture's files, then ends it (end.json), then publishes the final meta. Never throws. */
  async commit(w: SharedCaptureWriter): Promise<CaptureMeta> {
    const { meta } = w;
    const { namespace, id } = meta;
    w.ending = true;
    await w.renewing;
    let final: CaptureMeta;
    const uploaded: string[] = [];
    try {
      let bytes = 0;
      for (const f of await filesUnder(w.tmp)) {
        if (!STORED_FILE.test(f)) continue;
        const path = join(w.tmp, f);
        const { size } = await stat(path);
        await this.objects.putStream(fileKey(namespace, id, f), createReadStream(path), size);
        uploaded.push(f);
        bytes += size;
      }
      meta.bytes = bytes;
      meta.finishedAt ??= new Date().toISOString();
      final = await this.end(meta);
      if (final !== meta) for (const f of uploaded) await this.objects.delete(fileKey(namespace, id, f)).catch(() => undefined);
    } catch (err) {
      this.log.error({ err, capture: id }, 'capture store: writing the capture failed');
      final = interrupted(meta, `storing the capture failed: ${(err as Error).message}`);
      for (const f of uploaded) await this.objects.delete(fileKey(namespace, id, f)).catch(() => undefined);
      // If the store is still down, the lease (no longer renewed) expires and a replica ends it as stopped.
      await this.end(final).catch(() => undefined);
    }
    this.live.delete(id);
    await rm(w.tmp, { recursive: true, force: true });
    const entry = { meta: final, text: JSON.stringify(final, null, 2) };
    this.index.set(id, entry);
    this.changed.set(id, entry);
    return final;
  }

  /**
   * Ends a capture: whoever creates end.json first decides its final meta;
   * meta.json is then replaced with that one, and the lease goes. Returns the
   * final meta (`meta` itself if this call won).
   */
  private async end(meta: CaptureMeta): Promise<CaptureMeta> {
    return (await this.endOnce(meta)).final;
  }

  private async endOnce(meta: CaptureMeta): Promise<{ final: CaptureMeta; won: boolean }> {
    const text = JSON.stringify(meta, null, 2);
    let final = meta;
    const won = await this.objects.putIfAbsent(endKey(meta.namespace, meta.id), text);
    if (!won) {
      const theirs = parseMeta(await this.objects.get(endKey(meta.namespace, meta.id)), meta.id);
      if (theirs) final = theirs.meta;
    }
    await this.objects.put(metaKey(meta.namespace, meta.id), final === meta ? text : JSON.stringify(final, null, 2));
    await this.objects.delete(leaseKey(meta.namespace, meta.id));
    return { final, won };
  }

  /** Reads the store into a new index (coalesced: callers during a refresh share it). */
  refresh(): Promise<void> {
    this.refreshing ??= this.readIndex()
      .then(() => {
        if (this.down) this.log.info({ store: this.objects.describe }, 'capture store: the object store answers again');
        this.down = undefined;
      })
      .catch((err: unknown) => {
        if (!(err instanceof StoreUnavailable)) this.log.error({ err }, 'capture store: refreshing the index failed');
        else if (!this.down) this.log.error({ err: err.message }, 'capture store: the object store cannot be reached');
        this.down = err instanceof StoreUnavailable ? err : new StoreUnavailable((err as Error).message, { cause: err });
      })
      .then(() => this.sweep())
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** Every capture's id in the bucket, with its namespace and the rest of each of its keys. */
  private async listCaptures(): Promise<Map<string, { namespace: string; rests: Set<string> }>> {
    const keys = new Map<string, { namespace: string; rests: Set<string> }>();
    for await (const o of this.objects.list(CAPTURES)) {
      const k = parseKey(o.key);
      if (!k) continue;
      const e = keys.get(k.id) ?? { namespace: k.namespace, rests: new Set<string>() };
      e.rests.add(k.rest);
      keys.set(k.id, e);
    }
    return keys;
  }

  private async readIndex(): Promise<void> {
    // After an outage nobody could renew: every lease gets a whole bound again from now.
    if (this.down) this.sightings.clear();
    this.changed.clear();
    const keys = await this.listCaptures();
    const next = new Map<string, Entry>();
    const now = Date.now();
    for (const [id, { namespace, rests }] of keys) {
      if (!rests.has('meta.json')) continue; // being deleted, or never begun: not a capture
      const known = this.index.get(id);
      if (known && known.meta.status !== 'running') {
        next.set(id, known); // a final meta never changes
        continue;
      }
      const read = parseMeta(await this.objects.get(metaKey(namespace, id)), id);
      if (!read || read.meta.namespace !== namespace) continue;
      const running = read.meta.status === 'running' && !this.live.has(id);
      next.set(id, running ? await this.checkRunning(read, rests.has('end.json'), now) : read);
    }
    for (const id of this.sightings.keys()) if (next.get(id)?.meta.status !== 'running') this.sightings.delete(id);
    // What this replica committed or deleted while the listing ran is newer than the listing.
    for (const [id, e] of this.changed)
      if (e === undefined) next.delete(id);
      else next.set(id, e);
    this.index = next;
  }

  /** A running capture another replica owns (or owned): repaired from end.json, ended if its lease expired, else as read. */
  private async checkRunning(read: Entry, ended: boolean, now: number): Promise<Entry> {
    const { namespace, id } = read.meta;
    if (ended) {
      const end = parseMeta(await this.objects.get(endKey(namespace, id)), id);
      if (end) {
        await this.objects.put(metaKey(namespace, id), end.text);
        await this.objects.delete(leaseKey(namespace, id));
        return end;
      }
    }
    const seen = sight(this.sightings.get(id), leaseSeq(await this.objects.get(leaseKey(namespace, id))), now);
    this.sightings.set(id, seen);
    if (!leaseExpired(seen, now, this.leaseBoundMs)) return read;
    const { final, won } = await this.endOnce(interrupted(read.meta));
    if (won)
      this.log.warn(
        { capture: id, namespace, leaseBoundMs: this.leaseBoundMs },
        'capture store: marked a capture whose replica stopped as failed',
      );
    for await (const o of this.objects.list(capturePrefix(namespace, id))) {
      const rest = parseKey(o.key)?.rest;
      if (rest !== undefined && STORED_FILE.test(rest) && !(final.file === rest || final.pods.some((p) => p.file === rest)))
        await this.objects.delete(o.key);
    }
    return { meta: final, text: JSON.stringify(final, null, 2) };
  }

  /** Applies the limits to the index (after every refresh that reached the store). */
  private async sweep(): Promise<void> {
    if (this.down) return;
    for (const { meta: m, reason } of evictions(this.stored(), this.limits, Date.now())) {
      try {
        if (await this.delete(m.id)) this.log.info({ capture: m.id, namespace: m.namespace, bytes: m.bytes, reason }, 'capture deleted');
      } catch (err) {
        this.log.warn({ err, capture: m.id }, 'capture store: deleting a capture past the limits failed');
      }
    }
  }

  private *stored(): Iterable<CaptureMeta> {
    for (const e of this.index.values()) if (!this.live.has(e.meta.id)) yield e.meta;
  }

  /** A snapshot of the capture's metadata: this replica's live progress, else the index's. */
  get(id: string): CaptureMeta | undefined {
    this.ensureUp();
    const live = this.live.get(id)?.meta;
    if (live) return snapshot(live);
    const e = this.index.get(id);
    return e === undefined ? undefined : structuredClone(e.meta);
  }

  /** get(), or on a miss the same after one more refresh (a capture another replica made since the last one). */
  async lookup(id: string): Promise<CaptureMeta | undefined> {
    if (!this.down && (this.live.has(id) || this.index.has(id))) return this.get(id);
    await this.refresh();
    return this.get(id);
  }

  isRunning(id: string): boolean {
    return this.live.has(id) || this.index.get(id)?.meta.status === 'running';
  }

  /** Every capture, newest first. */
  list(): CaptureMeta[] {
    this.ensureUp();
    const ids = new Set([...this.index.keys(), ...this.live.keys()]);
    const all = [...ids].map((id) => this.get(id)!);
    return all.sort((a, b) => (a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt)));
  }

  /** A stored file of a finished capture; `file` must be one its meta names. */
  async read(id: string, file: string): Promise<{ stream: Readable; size: number } | undefined> {
    this.ensureUp();
    const meta = this.index.get(id)?.meta;
    if (
      !meta ||
      meta.status === 'running' ||
      (meta.file !== file && !meta.pods.some((p) => p.file === file) && !(meta.derived ?? []).includes(file)) ||
      !STORED_FILE.test(file)
    )
      return undefined;
    try {
      return await this.objects.open(fileKey(meta.namespace, id, file));
    } catch (err) {
      throw err instanceof StoreUnavailable ? new PodprofError('PODPROF_STORE_UNAVAILABLE', err.message) : err;
    }
  }

  /** false when there is no such finished capture (a running one cannot be deleted). meta.json goes first: no replica lists it after. */
  async delete(id: string): Promise<boolean> {
    const e = this.index.get(id);
    if (this.isRunning(id) || !e) return false;
    const { namespace } = e.meta;
    try {
      await this.objects.delete(metaKey(namespace, id));
      this.index.delete(id);
      this.changed.set(id, undefined);
      const rest: string[] = [];
      for await (const o of this.objects.list(capturePrefix(namespace, id))) rest.push(o.key);
      for (const k of rest) await this.objects.delete(k);
    } catch (err) {
      throw err instanceof StoreUnavailable ? new PodprofError('PODPROF_STORE_UNAVAILABLE', err.message) : err;
    }
    return true;
  }

  enforceLimits(): Promise<void> {
    return this.sweep();
  }

  namespaceBytes(namespace: string): number {
    let total = 0;
    for (const m of this.stored()) if (m.namespace === namespace) total += m.bytes;
    return total;
  }

  get isFull(): boolean {
    return storeFull(this.stored(), this.limits);
  }

  get totalBytes(): number {
    let total = 0;
    for (const m of this.stored()) total += m.bytes;
    return total;
  }

  /** Reachable as of the last refresh (at most one refresh interval old), for /readyz. */
  health(): { ok: boolean; store: string; error?: string } {
    return this.down ? { ok: false, store: this.objects.describe, error: this.down.message } : { ok: true, store: this.objects.describe };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.refreshTimer);
    clearInterval(this.renewTimer);
  }
}
