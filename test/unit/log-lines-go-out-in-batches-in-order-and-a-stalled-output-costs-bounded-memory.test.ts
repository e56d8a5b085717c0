// The log's standard output (src/log-output.ts): lines written together go out
// in one write, in order; a lone line goes out on its own after a short wait;
// a stalled reader costs bounded memory, and the lines dropped meanwhile are
// counted and reported once output moves; partial writes, a full non-blocking
// pipe (EAGAIN) and a closed one (EPIPE) lose nothing else and throw nothing;
// on exit what waits is written synchronously. Real files where a real file
// shows it; a stand-in for the pipe faults a test cannot cause on demand.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, write as fsWrite, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { batchedOutput, type OutputIo } from '../../src/log-output.ts';

const dir = mkdtempSync(join(tmpdir(), 'podprof-log-output-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (): { fd: number; path: string } => {
  const path = join(dir, `out-${n++}`);
  return { fd: openSync(path, 'w'), path };
};
const line = (i: number): string => `${JSON.stringify({ msg: `line ${i}` })}\n`;
const lines = (count: number, from = 0): string => Array.from({ length: count }, (_, i) => line(from + i)).join('');

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
}

/** Real fs calls, counted. */
function countingIo(): OutputIo & { writes: number } {
  const io = {
    writes: 0,
    write(fd: number, data: Buffer, cb: (err: NodeJS.ErrnoException | null, written: number) => void) {
      io.writes++;
      fsWrite(fd, data, cb);
    },
    writeSync: (fd: number, data: Buffer) => writeSync(fd, data),
  };
  return io;
}

test('a hundred lines written at once go out in one write, in order', async () => {
  const { fd, path } = file();
  const io = countingIo();
  const out = batchedOutput(fd, { batchBytes: 1 << 20, lingerMs: 20, maxPendingBytes: 1 << 24 }, io);
  for (let i = 0; i < 100; i++) out.write(line(i));
  await until('the lines reach the file', () => readFileSync(path, 'utf8').length === lines(100).length);
  assert.equal(readFileSync(path, 'utf8'), lines(100));
  assert.equal(io.writes, 1);
  closeSync(fd);
});

test('a lone line goes out without another line to push it', async () => {
  const { fd, path } = file();
  const out = batchedOutput(fd, { batchBytes: 1 << 20, lingerMs: 20, maxPendingBytes: 1 << 24 });
  out.write(line(7));
  await until('the line reaches the file', () => readFileSync(path, 'utf8') === line(7));
  closeSync(fd);
});

test('a full batch goes out at once, without waiting out the linger', async () => {
  const { fd, path } = file();
  const out = batchedOutput(fd, { batchBytes: 200, lingerMs: 3_600_000, maxPendingBytes: 1 << 24 });
  const text = lines(20);
  assert.ok(text.length > 200);
  for (let i = 0; i < 20; i++) out.write(line(i));
  await until('the batch reaches the file', () => readFileSync(path, 'utf8').length > 0);
  out.flushSync(); // and the rest, on exit
  assert.equal(readFileSync(path, 'utf8'), text);
  closeSync(fd);
});

test('on exit, what waits is written synchronously', () => {
  const { fd, path } = file();
  const out = batchedOutput(fd, { batchBytes: 1 << 20, lingerMs: 3_600_000, maxPendingBytes: 1 << 24 });
  for (let i = 0; i < 5; i++) out.write(line(i));
  out.flushSync();
  assert.equal(readFileSync(path, 'utf8'), lines(5));
  closeSync(fd);
});

/** A pipe whose reader the test controls: each write waits until release(); `reply` says what the next write returns. */
function heldIo(): OutputIo & { got: string; release(): void; held: number; reply: Array<'again' | 'half' | 'closed'> } {
  let waiting: Array<() => void> = [];
  const io = {
    got: '',
    reply: [] as Array<'again' | 'half' | 'closed'>,
    get held() {
      return waiting.length;
    },
    release() {
      const w = waiting;
      waiting = [];
      for (const f of w) f();
    },
    write(_fd: number, data: Buffer, cb: (err: NodeJS.ErrnoException | null, written: number) => void) {
      waiting.push(() => {
        const r = io.reply.shift();
        if (r === 'again') return cb(Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' }), 0);
        if (r === 'closed') return cb(Object.assign(new Error('EPIPE'), { code: 'EPIPE' }), 0);
        const n = r === 'half' ? Math.ceil(data.length / 2) : data.length;
        io.got += data.subarray(0, n).toString('utf8');
        cb(null, n);
      });
    },
    writeSync(_fd: number, data: Buffer) {
      io.got += data.toString('utf8');
      return data.length;
    },
  };
  return io;
}

test('while output is not read, lines past the bound are dropped, counted and reported once it moves', async () => {
  const io = heldIo();
  const out = batchedOutput(1, { batchBytes: 1, lingerMs: 5, maxPendingBytes: 10 * line(10).length }, io);
  out.write(line(0)); // goes out at once and sticks: nobody reads
  await until('the first write is held', () => io.held === 1);
  for (let i = 1; i <= 30; i++) out.write(line(i));
  assert.equal(out.dropped, 20, 'ten lines wait, twenty are dropped');
  io.release();
  await until('the waiting lines are written', () => io.held === 1);
  io.release();
  await until('all written', () => io.got.includes('dropped'));
  const got = io.got.trimEnd().split('\n');
  assert.deepEqual(got.slice(0, 11), lines(11).trimEnd().split('\n'), 'what waited comes out whole, in order');
  assert.match(got[11]!, /"20 log lines dropped: standard output was not read"/);
});

test('partial writes and a full pipe (EAGAIN) lose nothing and keep the order', async () => {
  const io = heldIo();
  io.reply.push('half', 'again', 'half');
  const out = batchedOutput(1, { batchBytes: 1 << 20, lingerMs: 5, maxPendingBytes: 1 << 24 }, io);
  for (let i = 0; i < 10; i++) out.write(line(i));
  for (let i = 0; i < 20 && io.got.length < lines(10).length; i++) {
    await until('a write is asked', () => io.held > 0);
    io.release();
  }
  out.write(line(10));
  await until('the next line is asked', () => io.held > 0);
  io.release();
  assert.equal(io.got, lines(11));
  assert.equal(out.dropped, 0);
});

test('a closed output (EPIPE): the lines it took with it and later ones are counted as dropped, nothing throws', async () => {
  const io = heldIo();
  io.reply.push('closed');
  const out = batchedOutput(1, { batchBytes: 1, lingerMs: 5, maxPendingBytes: 1 << 24 }, io);
  out.write(line(0));
  await until('the write is asked', () => io.held === 1);
  out.write(line(1));
  io.release();
  await until('the failure is seen', () => out.dropped === 2); // the line being written and the one waiting
  out.write(line(2));
  assert.equal(out.dropped, 3);
  out.flushSync();
  assert.equal(io.got, '');
});
