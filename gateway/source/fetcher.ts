// Source files through the Go module proxy protocol (--goproxy): for a file a
// profile names (src/source/locate.ts), GET <goproxy>/<escaped module>/@v/<escaped
// version>.zip, and out of that zip only the one file: with Range requests the
// zip's tail, its central directory and the file's bytes (a 70 MB toolchain zip
// costs a few MB), or the whole zip when the proxy ignores Range. Bounded: the
// zip's size (--source-max-zip-bytes), the file's (--source-max-file-bytes),
// an LRU of files and directories by bytes (--source-cache-bytes), fetches at
// once per user and in all, requests per user per second, one deadline per file
// (--source-timeout). Only the URL built here is fetched: no redirect is followed,
// no other host, nothing on the gateway's disk.
import { PodprofError } from '../../src/errors.ts';
import { RateLimiter } from '../../src/limits/rate.ts';
import { Shares } from '../../src/limits/shares.ts';
import { describeRef, zipPath, type SourceRef } from '../../src/source/locate.ts';
import { filePathProblem, modulePathProblem, versionProblem } from '../../src/source/module.ts';
import {
  dataOffset,
  inflateEntry,
  LOCAL_HEADER_BYTES,
  readDirectory,
  readEnd,
  TAIL_BYTES,
  ZipError,
  type ZipEntry,
} from '../../src/source/zip.ts';

export interface SourceLimits {
  readonly goproxy: string;
  readonly maxZipBytes: number;
  readonly maxFileBytes: number;
  readonly cacheBytes: number;
  readonly timeoutMs: number;
  /** Fetches one user may have running at once. */
  readonly perUser: number;
  /** Fetches running at once in all. */
  readonly total: number;
  /** Uncached files one user may ask for per second on average (burst: 10 times that). */
  readonly perSecond: number;
}

export interface SourceFile {
  readonly ref: SourceRef;
  readonly text: string;
  /** The URL it came from (the zip's). */
  readonly url: string;
}

/** The central directory of one module version's zip, and whether the proxy answered ranges. */
interface Directory {
  readonly total: number;
  readonly entries: Map<string, ZipEntry>;
  readonly cost: number;
}

/** A map in least-recently-used order whose values' costs add up to at most `max`. */
export class ByteLru<V> {
  private readonly map = new Map<string, { value: V; cost: number }>();
  private sum = 0;
  constructor(readonly max: number) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V, cost: number): void {
    const old = this.map.get(key);
    if (old) {
      this.map.delete(key);
      this.sum -= old.cost;
    }
    if (cost > this.max) return;
    this.map.set(key, { value, cost });
    this.sum += cost;
    for (const [k, e] of this.map) {
      if (this.sum <= this.max) break;
      this.map.delete(k);
      this.sum -= e.cost;
    }
  }

  get bytes(): number {
    return this.sum;
  }

  get size(): number {
    return this.map.size;
  }
}

const proxyFailed = (msg: string): PodprofError => new PodprofError('PODPROF_SOURCE_PROXY_FAILED', msg);

/** Checks --goproxy: one http(s) URL without credentials, query or fragment. */
export function goproxyProblem(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'want a URL like https://proxy.golang.org';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'want an http or https URL (the gateway never reads its own disk)';
  if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '')
    return 'want a URL without credentials, query or fragment';
  return undefined;
}

export class SourceFetcher {
  private readonly cache: ByteLru<SourceFile | Directory>;
  private readonly running: Shares;
  private readonly rate: RateLimiter;
  private readonly base: URL;

  constructor(readonly limits: SourceLimits) {
    const p = goproxyProblem(limits.goproxy);
    if (p) throw new Error(`--goproxy: ${p}`);
    this.base = new URL(limits.goproxy.endsWith('/') ? limits.goproxy : `${limits.goproxy}/`);
    this.cache = new ByteLru(limits.cacheBytes);
    this.running = new Shares({ perHolder: limits.perUser, total: limits.total });
    this.rate = new RateLimiter({ burst: Math.max(1, limits.perSecond * 10), perSecond: limits.perSecond, maxCallers: 10_000 });
  }

  /** Bytes the cache holds now (files' text and zip directories). */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  /** The URL of a module version's zip: the proxy's base and the escaped path, checked to stay under the base. */
  zipUrl(ref: SourceRef): URL {
    const problem = modulePathProblem(ref.module) ?? versionProblem(ref.module, ref.version) ?? filePathProblem(ref.file);
    if (problem) throw new PodprofError('PODPROF_SOURCE_INVALID', `${describeRef(ref).slice(0, 200)}: ${problem}`);
    const url = new URL(zipPath(ref.module, ref.version), this.base);
    if (url.origin !== this.base.origin || !url.pathname.startsWith(this.base.pathname) || url.search !== '' || url.hash !== '')
      throw new PodprofError('PODPROF_SOURCE_INVALID', `${describeRef(ref).slice(0, 200)}: the URL would leave the module proxy`);
    return url;
  }

  /** The text of one file of a module version, for `user`. */
  async file(user: string, ref: SourceRef): Promise<SourceFile> {
    const url = this.zipUrl(ref);
    const key = `f ${url.href} ${ref.file}`;
    const hit = this.cache.get(key) as SourceFile | undefined;
    if (hit) return hit;
    const wait = this.rate.take(user);
    if (wait > 0) throw new PodprofError('PODPROF_THROTTLED', `too many source files asked for; ${wait}s until the next`, wait);
    const refused = this.running.take(user);
    if (refused)
      throw new PodprofError(
        'PODPROF_THROTTLED',
        refused === 'holder'
          ? `${this.limits.perUser} source fetches of yours are running`
          : 'the gateway is fetching as many source files as it allows',
        1,
      );
    const signal = AbortSignal.timeout(this.limits.timeoutMs);
    try {
      const bytes = await this.read(url, ref, signal);
      if (bytes.includes(0)) throw new PodprofError('PODPROF_SOURCE_NOT_FOUND', `${describeRef(ref)} is not a text file`);
      const found: SourceFile = { ref, url: url.href, text: new TextDecoder().decode(bytes) };
      this.cache.set(key, found, bytes.length + key.length);
      return found;
    } catch (err) {
      if (err instanceof PodprofError) throw err;
      if (err instanceof ZipError) throw new PodprofError('PODPROF_SOURCE_PROXY_FAILED', `${url.href}: ${err.message}`);
      if (signal.aborted) throw proxyFailed(`${url.href}: no answer within ${this.limits.timeoutMs} ms`);
      throw proxyFailed(`${url.href}: ${(err as Error).message}`);
    } finally {
      this.running.give(user);
    }
  }

  private async read(url: URL, ref: SourceRef, signal: AbortSignal): Promise<Uint8Array> {
    const dirKey = `d ${url.href}`;
    const known = this.cache.get(dirKey) as Directory | undefined;
    if (known) return this.fromRanges(url, ref, known, signal);
    const first = await this.get(url, signal, `bytes=-${TAIL_BYTES}`);
    if (first.status === 200) return this.fromWhole(url, ref, first, signal);
    const total = Number(/\/(\d+)$/.exec(first.headers.get('content-range') ?? '')?.[1]);
    if (!Number.isSafeInteger(total)) throw proxyFailed(`${url.href}: a ranged answer without the zip's size`);
    this.zipBound(url, total);
    const tail = await this.body(first, Math.min(TAIL_BYTES, total), url);
    const end = readEnd(tail, total);
    if (end.size > this.limits.maxZipBytes) throw new PodprofError('PODPROF_SOURCE_TOO_LARGE', `${url.href}: its directory is too large`);
    const dirBytes = end.size === 0 ? new Uint8Array() : await this.range(url, end.offset, end.size, signal);
    const entries = readDirectory(dirBytes);
    const dir: Directory = { total, entries, cost: end.size + 64 * entries.size };
    this.cache.set(dirKey, dir, dir.cost);
    return this.fromRanges(url, ref, dir, signal);
  }

  private zipBound(url: URL, size: number): void {
    if (size > this.limits.maxZipBytes)
      throw new PodprofError(
        'PODPROF_SOURCE_TOO_LARGE',
        `${url.href} is ${size} bytes, over --source-max-zip-bytes (${this.limits.maxZipBytes})`,
      );
  }

  private entryOf(url: URL, ref: SourceRef, entries: Map<string, ZipEntry>): ZipEntry {
    const name = `${ref.module}@${ref.version}/${ref.file}`;
    const e = entries.get(name);
    if (!e) throw new PodprofError('PODPROF_SOURCE_NOT_FOUND', `${url.href} holds no ${ref.file}`);
    if (e.size > this.limits.maxFileBytes || e.compressedSize > this.limits.maxFileBytes + 1024)
      throw new PodprofError(
        'PODPROF_SOURCE_TOO_LARGE',
        `${describeRef(ref)} is ${e.size} bytes, over --source-max-file-bytes (${this.limits.maxFileBytes})`,
      );
    return e;
  }

  private async fromRanges(url: URL, ref: SourceRef, dir: Directory, signal: AbortSignal): Promise<Uint8Array> {
    const e = this.entryOf(url, ref, dir.entries);
    const header = await this.range(url, e.localOffset, LOCAL_HEADER_BYTES, signal);
    const start = dataOffset(e, header);
    if (start + e.compressedSize > dir.total) throw new ZipError('an entry lies outside the zip');
    const data = e.compressedSize === 0 ? new Uint8Array() : await this.range(url, start, e.compressedSize, signal);
    return inflateEntry(e, data, this.limits.maxFileBytes);
  }

  private async fromWhole(url: URL, ref: SourceRef, res: Response, _signal: AbortSignal): Promise<Uint8Array> {
    const declared = res.headers.get('content-length');
    if (declared !== null) this.zipBound(url, Number(declared));
    const zip = await this.body(res, this.limits.maxZipBytes, url, true);
    const end = readEnd(zip.subarray(Math.max(0, zip.length - TAIL_BYTES)), zip.length);
    const e = this.entryOf(url, ref, readDirectory(zip.subarray(end.offset, end.offset + end.size)));
    const header = zip.subarray(e.localOffset, e.localOffset + LOCAL_HEADER_BYTES);
    const start = dataOffset(e, header);
    if (start + e.compressedSize > zip.length) throw new ZipError('an entry lies outside the zip');
    return inflateEntry(e, zip.subarray(start, start + e.compressedSize), this.limits.maxFileBytes);
  }

  private async get(url: URL, signal: AbortSignal, range: string): Promise<Response> {
    const res = await fetch(url, { signal, redirect: 'manual', headers: { range, 'accept-encoding': 'identity' } });
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      throw proxyFailed(
        `${url.href} redirected (to ${(res.headers.get('location') ?? '?').slice(0, 200)}); the gateway follows no redirect`,
      );
    }
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      throw new PodprofError('PODPROF_SOURCE_NOT_FOUND', `${url.href}: the module proxy has no such module version (${res.status})`);
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw proxyFailed(`${url.href} answered ${res.status}`);
    }
    return res;
  }

  private async range(url: URL, offset: number, length: number, signal: AbortSignal): Promise<Uint8Array> {
    const res = await this.get(url, signal, `bytes=${offset}-${offset + length - 1}`);
    if (res.status !== 206) {
      await res.body?.cancel();
      throw proxyFailed(`${url.href} stopped answering byte ranges`);
    }
    const got = await this.body(res, length, url);
    if (got.length !== length) throw proxyFailed(`${url.href} answered ${got.length} bytes for a range of ${length}`);
    return got;
  }

  /** The body, refused past `max` bytes (a zip over the bound when `whole`). */
  private async body(res: Response, max: number, url: URL, whole = false): Promise<Uint8Array> {
    if (!res.body) return new Uint8Array();
    const parts: Uint8Array[] = [];
    let n = 0;
    for await (const value of res.body as AsyncIterable<Uint8Array>) {
      n += value.length;
      if (n > max) {
        await res.body.cancel().catch(() => undefined);
        if (whole) this.zipBound(url, n);
        throw proxyFailed(`${url.href} sent more than the ${max} bytes asked for`);
      }
      parts.push(value);
    }
    return Buffer.concat(parts);
  }
}
