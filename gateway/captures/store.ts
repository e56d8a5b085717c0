// The capture store: a local directory, one directory per capture.
//
//   <store>/<id>/meta.json          written first (status running), and last (final status)
//   <store>/<id>/profile.pb.gz      merged, or the single pod's (trace.out for a trace)
//   <store>/<id>/pods/<pod>.pb.gz   each pod's own profile (fan-out)
//   <store>/.tmp-<id>/              where data lands while the capture runs
//
// Data is written and fsynced in the temp dir (each pod's body as it streams
// in, the pods in parallel); at commit it is moved into <id>/ with each
// directory fsynced once (one fsync for all of pods/, renamed as one), and
// meta.json is replaced last (temp file + rename), so a capture is only ever
// listed as done once everything it names is on disk. Limits: captures
// older than --store-max-age go; a namespace over --store-namespace-max-bytes
// loses its own oldest captures, never another namespace's; a store at
// --store-max-bytes takes no new captures (isFull) rather than evicting anyone's.
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../src/log.ts';
import { fsyncDir, moveDurably, sizeOf, writeAtomic, writeDurable, type SyncDir } from './fs-atomic.ts';
import { META, recoverStore, TMP_PREFIX } from './recover.ts';
import { STORED_FILE } from './files.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { evictions, storeFull, type StoreLimits } from './store-limits.ts';

export type { StoreLimits } from './store-limits.ts';

/** A capture being written (either store): files go to the local temp dir `tmp`; commit() publishes them and the final meta. */
export interface CaptureWriter {
  readonly meta: CaptureMeta;
  readonly tmp: string;
  /** `name` is relative ("profile.pb.gz", "pods/web-0.pb.gz"); the caller picks safe names. */
  write(name: string, data: Uint8Array): Promise<void>;
  commit(): Promise<CaptureMeta>;
}

class DirCaptureWriter implements CaptureWriter {
  constructor(
    private readonly store: CaptureStore,
    readonly meta: CaptureMeta,
    readonly tmp: string,
  ) {}

  /** `name` is relative ("profile.pb.gz", "pods/web-0.pb.gz"); the caller picks safe names. */
  write(name: string, data: Uint8Array): Promise<void> {
    return writeDurable(join(this.tmp, name), data);
  }

  commit(): Promise<CaptureMeta> {
    return this.store.commit(this);
  }
}

export class CaptureStore {
  private readonly metas = new Map<string, CaptureMeta>();
  private readonly live = new Map<string, DirCaptureWriter>();
  private sweeping: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly dir: string,
    readonly limits: StoreLimits,
    private readonly log: Logger,
    private readonly syncDir: SyncDir,
  ) {}

  /**
   * Opens (creating) the store: recovers from any crash, applies the limits, and sweeps periodically.
   * `syncDir`: how it fsyncs its directories (tests count them).
   */
  static async open(dir: string, limits: StoreLimits, log: Logger, syncDir: SyncDir = fsyncDir): Promise<CaptureStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const s = new CaptureStore(dir, limits, log, syncDir);
    for (const m of await recoverStore(dir, log)) s.metas.set(m.id, m);
    await s.enforceLimits();
    s.timer = setInterval(() => void s.enforceLimits(), Math.max(1000, Math.min(limits.maxAgeMs / 10, 600_000)));
    s.timer.unref();
    return s;
  }

  async begin(meta: CaptureMeta): Promise<CaptureWriter> {
    const dir = join(this.dir, meta.id);
    const tmp = join(this.dir, `${TMP_PREFIX}${meta.id}`);
    await mkdir(dir, { mode: 0o700 });
    await writeAtomic(join(dir, META), JSON.stringify(meta, null, 2), this.syncDir);
    await this.syncDir(this.dir);
    await mkdir(tmp, { mode: 0o700 });
    const w = new DirCaptureWriter(this, meta, tmp);
    this.live.set(meta.id, w);
    return w;
  }

  /** Publishes a capture. Never throws: if the disk fails, the capture is stored as failed, without data. */
  async commit(w: DirCaptureWriter): Promise<CaptureMeta> {
    const { meta } = w;
    const dir = join(this.dir, meta.id);
    try {
      await moveDurably(w.tmp, dir, this.syncDir);
      meta.bytes = (await sizeOf(dir)) - (await stat(join(dir, META))).size;
      meta.finishedAt ??= new Date().toISOString();
      await writeAtomic(join(dir, META), JSON.stringify(meta, null, 2), this.syncDir);
    } catch (err) {
      this.log.error({ err, capture: meta.id }, 'capture store: writing the capture failed');
      Object.assign(meta, {
        status: 'failed',
        error: `storing the capture failed: ${(err as Error).message}`,
        file: undefined,
        bytes: 0,
        totals: undefined,
        finishedAt: new Date().toISOString(),
      });
      for (const p of meta.pods) p.file = undefined;
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true })
        .then(() => writeAtomic(join(dir, META), JSON.stringify(meta, null, 2), this.syncDir))
        .catch(() => undefined);
    }
    await rm(w.tmp, { recursive: true, force: true });
    this.live.delete(meta.id);
    this.metas.set(meta.id, meta);
    await this.enforceLimits();
    return meta;
  }

  /** Drops a capture begun but not to be stored (an upload that is no profile): its directory and temp dir go, and it is never listed. */
  async abandon(w: CaptureWriter): Promise<void> {
    this.live.delete(w.meta.id);
    await rm(w.tmp, { recursive: true, force: true });
    await rm(join(this.dir, w.meta.id), { recursive: true, force: true });
    await this.syncDir(this.dir);
  }

  /** A snapshot of the capture's metadata: live progress while it runs, "running" until it is committed. */
  get(id: string): CaptureMeta | undefined {
    const live = this.live.get(id)?.meta;
    if (live) return { ...structuredClone(live), status: 'running', file: undefined, totals: undefined };
    const m = this.metas.get(id);
    return m === undefined ? undefined : structuredClone(m);
  }

  /** get(), for the shared store's sake (it may have to read a capture another replica just made). */
  lookup(id: string): Promise<CaptureMeta | undefined> {
    return Promise.resolve(this.get(id));
  }

  isRunning(id: string): boolean {
    return this.live.has(id);
  }

  /** Every capture, newest first. */
  list(): CaptureMeta[] {
    const all = [...this.metas.keys(), ...this.live.keys()].map((id) => this.get(id)!);
    return all.sort((a, b) => (a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt)));
  }

  /** A stored file of a finished capture; `file` must be one its meta names. */
  async read(id: string, file: string): Promise<{ stream: ReadStream; size: number } | undefined> {
    const meta = this.metas.get(id);
    if (
      !meta ||
      (meta.file !== file && !meta.pods.some((p) => p.file === file) && !(meta.derived ?? []).includes(file)) ||
      !STORED_FILE.test(file)
    )
      return undefined;
    const path = join(this.dir, id, file);
    const size = (await stat(path)).size;
    return { stream: createReadStream(path), size };
  }

  /** false when there is no such finished capture (a running one cannot be deleted). */
  async delete(id: string): Promise<boolean> {
    if (this.live.has(id) || !this.metas.has(id)) return false;
    this.metas.delete(id);
    await rm(join(this.dir, id), { recursive: true, force: true });
    return true;
  }

  /** Deletes captures older than the age limit, then each namespace's oldest until it fits its quota. */
  enforceLimits(): Promise<void> {
    this.sweeping = this.sweeping
      .then(() => this.sweep())
      .catch((err: unknown) => this.log.error({ err }, 'capture store: applying limits failed'));
    return this.sweeping;
  }

  private async sweep(): Promise<void> {
    for (const { meta: m, reason } of evictions(this.metas.values(), this.limits, Date.now())) {
      if (await this.delete(m.id)) this.log.info({ capture: m.id, namespace: m.namespace, bytes: m.bytes, reason }, 'capture deleted');
    }
  }

  /** Bytes the captures of `namespace` hold. */
  namespaceBytes(namespace: string): number {
    let total = 0;
    for (const m of this.metas.values()) if (m.namespace === namespace) total += m.bytes;
    return total;
  }

  /** True when the store holds --store-max-bytes: new captures are refused until some age out or are deleted. */
  get isFull(): boolean {
    return storeFull(this.metas.values(), this.limits);
  }

  get totalBytes(): number {
    return [...this.metas.values()].reduce((s, m) => s + m.bytes, 0);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
