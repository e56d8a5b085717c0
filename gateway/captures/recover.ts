// What the store finds on disk at start, and how it makes it consistent: temp
// dirs of captures that never finished are deleted; a capture whose meta.json
// still says "running" was cut short by a crash or a kill and is marked failed
// (its partial files removed); directories without a meta.json never got past
// their first write and are deleted. Nothing half-written is ever listed.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../src/log.ts';
import { writeAtomic } from './fs-atomic.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { CAPTURE_ID } from './request.ts';

export const META = 'meta.json';
export const TMP_PREFIX = '.tmp-';
export const CRASHED = 'the gateway stopped before this capture finished';

type MetaRead = { meta: CaptureMeta } | { missing: true } | { corrupt: string };

export async function readMeta(dir: string, id: string): Promise<MetaRead> {
  let text: string;
  try {
    text = await readFile(join(dir, META), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    throw err;
  }
  try {
    const meta = JSON.parse(text) as CaptureMeta;
    if (meta.id !== id || typeof meta.status !== 'string' || !Array.isArray(meta.pods))
      return { corrupt: 'meta.json does not describe this capture' };
    return { meta };
  } catch (err) {
    return { corrupt: (err as Error).message };
  }
}

/** Marks a capture cut short by a crash as failed and removes everything but its meta.json. */
async function markCrashed(dir: string, meta: CaptureMeta): Promise<CaptureMeta> {
  for (const e of await readdir(dir)) if (e !== META) await rm(join(dir, e), { recursive: true, force: true });
  const fixed: CaptureMeta = {
    ...meta,
    status: 'failed',
    error: CRASHED,
    file: undefined,
    derived: undefined,
    bytes: 0,
    totals: undefined,
    pods: meta.pods.map((p) =>
      p.status === 'pending' || p.status === 'running' ? { ...p, status: 'failed', error: CRASHED } : { ...p, file: undefined },
    ),
  };
  await writeAtomic(join(dir, META), JSON.stringify(fixed, null, 2));
  return fixed;
}

async function recoverOne(root: string, name: string, log: Logger): Promise<CaptureMeta | undefined> {
  const dir = join(root, name);
  const read = await readMeta(dir, name);
  if ('missing' in read) {
    await rm(dir, { recursive: true, force: true });
    log.warn({ capture: name }, 'capture store: removed a capture directory without meta.json (cut short before its first write)');
    return undefined;
  }
  if ('corrupt' in read) {
    log.warn({ capture: name, reason: read.corrupt }, 'capture store: skipping a capture whose meta.json cannot be read');
    return undefined;
  }
  for (const e of await readdir(dir)) if (e.startsWith(`${META}.tmp-`)) await rm(join(dir, e), { force: true });
  if (read.meta.status !== 'running') return read.meta;
  log.warn({ capture: name }, 'capture store: marking a capture that was running when the gateway stopped as failed');
  return markCrashed(dir, read.meta);
}

/** Makes the store directory consistent and returns the captures it holds. */
export async function recoverStore(root: string, log: Logger): Promise<CaptureMeta[]> {
  const out: CaptureMeta[] = [];
  for (const e of await readdir(root, { withFileTypes: true })) {
    if (e.name.startsWith(TMP_PREFIX)) {
      await rm(join(root, e.name), { recursive: true, force: true });
      log.warn({ path: e.name }, 'capture store: removed the temp directory of a capture that never finished');
      continue;
    }
    if (!e.isDirectory() || !CAPTURE_ID.test(e.name)) continue;
    const meta = await recoverOne(root, e.name, log);
    if (meta) out.push(meta);
  }
  return out;
}
