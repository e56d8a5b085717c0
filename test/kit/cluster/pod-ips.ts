// Pod IPs for the kubelet stand-in: one loopback address 127.0.0.N (N in 2..254)
// per running pod. Linux routes all of 127.0.0.0/8 to `lo`, so binding 127.0.0.N
// needs no setup. Addresses are unique across every process on the machine (test
// files run in parallel): each is held by a lock directory
// $TMPDIR/podprof-podip-127.0.0.N/ whose `owner` file names the holding pid. A
// lock whose owner is dead is taken over; the exit hook removes ours.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit } from './exit-hooks.ts';
import { pidExists } from './proc.ts';

const PREFIX = 'podprof-podip-';
const FIRST = 2;
const LAST = 254;
/** A lock directory without an owner file yet is being created; older than this it is stale. */
const OWNERLESS_STALE_MS = 10_000;

const held = new Map<string, () => void>();
let next = FIRST;

const lockDir = (ip: string): string => join(tmpdir(), `${PREFIX}${ip}`);

function isStale(dir: string): boolean {
  try {
    const pid = Number(readFileSync(join(dir, 'owner'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? !pidExists(pid) : true;
  } catch {
    try {
      return Date.now() - statSync(dir).mtimeMs > OWNERLESS_STALE_MS;
    } catch {
      return false;
    }
  }
}

function tryLock(dir: string, retry = true): boolean {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (!retry || !isStale(dir)) return false;
    rmSync(dir, { recursive: true, force: true });
    return tryLock(dir, false);
  }
  writeFileSync(join(dir, 'owner'), String(process.pid));
  return true;
}

/** Reserves a free 127.0.0.N for this process (synchronous, so concurrent callers never race). */
export function allocatePodIp(): string {
  for (let i = 0; i <= LAST - FIRST; i++) {
    const n = FIRST + ((next - FIRST + i) % (LAST - FIRST + 1));
    const ip = `127.0.0.${n}`;
    if (held.has(ip) || !tryLock(lockDir(ip))) continue;
    // Rotate, so a just-released address (ports maybe in TIME_WAIT) is reused last.
    next = n + 1 > LAST ? FIRST : n + 1;
    held.set(
      ip,
      killOnExit(() => {}, lockDir(ip)),
    );
    return ip;
  }
  throw new Error(`no free pod IP in 127.0.0.${FIRST}-${LAST}: all are held (see ${tmpdir()}/${PREFIX}*)`);
}

export function releasePodIp(ip: string): void {
  const unregister = held.get(ip);
  if (unregister === undefined) return;
  held.delete(ip);
  rmSync(lockDir(ip), { recursive: true, force: true });
  unregister();
}
