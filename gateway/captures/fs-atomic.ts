// Durable file operations for the capture store: a file's data is fsynced as
// it is written (each pod's by the worker fetching it, in parallel); a
// capture's files are moved into place with each directory fsynced once
// (moveDurably: one fsync for every pod's file), before its final meta.json
// replaces the old one (writeAtomic: temp file, fsync, rename, fsync the
// directory), so a crash leaves either the old meta or the new one, and the new
// one only ever names files already on disk. Directory fsyncs go through a
// SyncDir, the seam tests use to count them or make them fail.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** How a directory is fsynced: fsyncDir, or what a test puts in its place. */
export type SyncDir = (dir: string) => Promise<void>;

/** fsync a directory so renames and creations in it survive a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Write `data` to `path` and fsync it (no rename: for files inside a temp dir). */
export async function writeDurable(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Stream `source` into `path` and fsync it; the stream's own error (a byte cap, a reset) rejects. */
export async function streamDurable(path: string, source: AsyncIterable<Uint8Array>): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'w', 0o600);
  let bytes = 0;
  try {
    for await (const chunk of source) {
      await fh.write(chunk);
      bytes += chunk.length;
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  return bytes;
}

/** Replace `path` atomically: write a sibling temp file, fsync it, rename it over, fsync the directory. */
export async function writeAtomic(path: string, data: Uint8Array | string, syncDir = fsyncDir): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await writeDurable(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dirname(path));
}

/**
 * Moves the files under `from`, each written with writeDurable or
 * streamDurable, into `to` (which exists), their names durable: each
 * subdirectory of `from` is fsynced once (pods/: one fsync for every pod's
 * file), its top-level entries are renamed into `to` (pods/ as one rename),
 * and `to` is fsynced once.
 */
export async function moveDurably(from: string, to: string, syncDir = fsyncDir): Promise<void> {
  const files = await filesUnder(from);
  for (const d of new Set(files.map(dirname))) if (d !== '.') await syncDir(join(from, d));
  for (const top of new Set(files.map((f) => f.split('/')[0]!))) await rename(join(from, top), join(to, top));
  await syncDir(to);
}

/** Every regular file under `dir`, as paths relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  }
  return out.sort();
}

/** Total bytes of the regular files under `dir` (0 when it does not exist). */
export async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  try {
    for (const f of await filesUnder(dir)) total += (await stat(join(dir, f))).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return total;
}
