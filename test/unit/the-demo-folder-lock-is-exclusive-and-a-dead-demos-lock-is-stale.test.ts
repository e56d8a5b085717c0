// <dir>/demo.lock (demo/folder-lock.ts): one live demo per folder; a lock whose
// pid is gone (a demo killed with SIGKILL) does not keep the folder locked.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FolderBusyError, LOCK_FILE, lockFolder } from '../../demo/folder-lock.ts';

function folder(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync('true');
  assert.ok(r.pid && r.pid > 0);
  return r.pid;
}

test('the lock holds the pid, refuses a second taker naming the holder, and goes on release', (t) => {
  const dir = folder(t);
  const lock = lockFolder(dir);
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
  // Another process (the test runner's parent: alive) asking for the folder this process holds.
  assert.throws(
    () => lockFolder(dir, process.ppid),
    (e: unknown) =>
      e instanceof FolderBusyError && e.pid === process.pid && e.message.includes(dir) && /--dir DIR --port 0/.test(e.message),
  );
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`, 'a refused taker leaves the lock alone');
  lock.release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  lockFolder(dir).release();
});

test('a lock whose demo is gone (SIGKILL, a crash) is stale: the next demo takes it', (t) => {
  const dir = folder(t);
  const dead = deadPid();
  writeFileSync(join(dir, LOCK_FILE), `${dead}\n`);
  const lock = lockFolder(dir);
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
  lock.release();
});

test('an empty or garbled lock (a demo that died between creating and writing it) is stale', (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, LOCK_FILE), '');
  lockFolder(dir).release();
  writeFileSync(join(dir, LOCK_FILE), 'not a pid');
  lockFolder(dir).release();
});

test("release leaves a lock that is no longer this process's", (t) => {
  const dir = folder(t);
  const lock = lockFolder(dir);
  writeFileSync(join(dir, LOCK_FILE), `${process.ppid}\n`);
  lock.release();
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.ppid}\n`);
});

test('a stale lock another live demo took first stays theirs, and this demo is told the folder is busy', (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, LOCK_FILE), `${deadPid()}\n`);
  // The parent process stands for a second, live demo: it takes the stale lock first.
  const theirs = lockFolder(dir, process.ppid);
  assert.throws(() => lockFolder(dir), FolderBusyError);
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.ppid}\n`);
  theirs.release();
});
