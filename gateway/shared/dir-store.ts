// The ObjectStore on a local directory: the embedded default (podprof demo,
// one-replica installs), and what replicas on one machine may share. An
// object is a file at <root>/<key>; put writes a sibling temp file, fsyncs it
// and renames it over (a reader sees the old file or the new one);
// putIfAbsent links the finished temp file to the key, which fails if the key
// exists, so of two replicas racing for one key exactly one wins.
import { createReadStream } from 'node:fs';
import { link, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsyncDir, streamDurable, writeDurable } from '../captures/fs-atomic.ts';
import { checkKey, StoreUnavailable, type ObjectStore, type StoredObject } from './object-store.ts';

const TEMP = /\.tmp-[0-9a-f]{8}$/;
const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';

export class DirObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  get describe(): string {
    return `dir ${this.root}`;
  }

  private path(key: string): string {
    return join(this.root, checkKey(key));
  }

  private temp(key: string): string {
    return `${this.path(key)}.tmp-${randomBytes(4).toString('hex')}`;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async open(key: string): Promise<{ stream: ReturnType<typeof createReadStream>; size: number } | undefined> {
    const path = this.path(key);
    try {
      const { size } = await stat(path);
      return { stream: createReadStream(path), size };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const tmp = this.temp(key);
    try {
      await writeDurable(tmp, body);
      await rename(tmp, this.path(key));
    } finally {
      await rm(tmp, { force: true });
    }
    await fsyncDir(dirname(this.path(key)));
  }

  async putStream(key: string, body: AsyncIterable<Uint8Array>): Promise<number> {
    const tmp = this.temp(key);
    try {
      const bytes = await streamDurable(tmp, body);
      await rename(tmp, this.path(key));
      await fsyncDir(dirname(this.path(key)));
      return bytes;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async putIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    const tmp = this.temp(key);
    try {
      await writeDurable(tmp, body);
      await link(tmp, this.path(key));
      await fsyncDir(dirname(this.path(key)));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const cut = prefix.lastIndexOf('/');
    const base = cut < 0 ? '' : prefix.slice(0, cut);
    if (base !== '') checkKey(base);
    let entries;
    try {
      entries = await readdir(join(this.root, base), { withFileTypes: true, recursive: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    const keys = entries
      .filter((e) => e.isFile() && !TEMP.test(e.name))
      .map((e) => join(e.parentPath, e.name).slice(this.root.length + 1))
      .filter((k) => k.startsWith(prefix))
      .sort();
    for (const key of keys) {
      try {
        const s = await stat(join(this.root, key));
        yield { key, size: s.size, modified: s.mtimeMs };
      } catch (err) {
        if (!isMissing(err)) throw err; // deleted meanwhile: not listed
      }
    }
  }

  async ping(): Promise<void> {
    try {
      await stat(this.root);
    } catch (err) {
      throw new StoreUnavailable(`the store directory ${this.root} cannot be read: ${(err as Error).message}`, { cause: err });
    }
  }
}
