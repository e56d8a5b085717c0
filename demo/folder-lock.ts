// One demo per folder: `podprof demo` writes its token, targets, keys and
// certificates into --dir, so a second demo there would rewrite the first's
// (its token turns 401, its targets change). The lock is <dir>/demo.lock,
// created with O_EXCL and holding the demo's pid; a lock whose pid is gone (a
// demo killed with SIGKILL, a crash) is stale and taken over.
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const LOCK_FILE = 'demo.lock';

/** Thrown when another live demo holds the folder. */
export class FolderBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `${dir} is in use by another podprof demo (pid ${pid}); stop that one (Ctrl-C), or give this one a folder and port of its own: podprof demo --dir DIR --port 0`,
    );
  }
}

export interface FolderLock {
  readonly file: string;
  /** Removes the lock if it is still this process's. */
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes a stale lock. Renamed aside first and read there: if another demo took the
 * lock in between (it saw the same stale file), the renamed file is its live lock,
 * which goes back in place and the folder is busy.
 */
function removeStale(file: string, pid: number): void {
  const aside = `${file}.stale-${pid}`;
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const holder = holderOf(aside);
  if (holder !== undefined && holder !== pid && alive(holder)) {
    try {
      linkSync(aside, file);
    } catch {
      // a third demo holds it now
    }
    unlinkSync(aside);
    throw new FolderBusyError(dirname(file), holder);
  }
  unlinkSync(aside);
}

/** Takes <dir>/demo.lock for this process (the folder must exist), or throws FolderBusyError. */
export function lockFolder(dir: string, pid = process.pid): FolderLock {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = holderOf(file);
      if (holder !== undefined && holder !== pid && alive(holder)) throw new FolderBusyError(dir, holder);
      // Stale (its demo is gone) or half-written by a demo that died between open and write:
      // remove it and try again; O_EXCL decides between two demos doing the same.
      if (holder === undefined && attempt === 0) {
        // A demo may be between its open and its write: give it a moment.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
        const again = holderOf(file);
        if (again !== undefined && again !== pid && alive(again)) throw new FolderBusyError(dir, again);
      }
      removeStale(file, pid);
      continue;
    }
    try {
      writeSync(fd, `${pid}\n`);
    } finally {
      closeSync(fd);
    }
    return {
      file,
      release(): void {
        if (holderOf(file) !== pid) return;
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      },
    };
  }
  const holder = holderOf(file);
  throw holder === undefined
    ? new Error(`${file}: could not take the demo's lock; remove the file if no demo runs`)
    : new FolderBusyError(dir, holder);
}
