// Where log lines go: standard output, a batch at a time. pino's asynchronous
// destination wrote each line with its own fs.write, a round trip through
// libuv's thread pool that woke the event loop once per line: one per scrape
// at a gateway's load, and the lighter the load, the less those wakeups were
// shared (bench/scrape). Here a line waits at most lingerMs, or until
// batchBytes have gathered, and the batch goes out in one write, off the
// request path as before. While nobody reads standard output (a full pipe),
// lines wait in memory up to maxPendingBytes; past that they are dropped and
// counted, and once output moves again a line says how many. On exit, what
// still waits is written synchronously.
import { write as fsWrite, writeSync as fsWriteSync } from 'node:fs';

export interface BatchedOutputOptions {
  /** A batch this large goes out at once, without waiting. */
  readonly batchBytes: number;
  /** The longest a line waits for others to join it. */
  readonly lingerMs: number;
  /** Lines waiting past this (output not read) are dropped and counted. */
  readonly maxPendingBytes: number;
}

export const BATCHED_OUTPUT_DEFAULTS: BatchedOutputOptions = { batchBytes: 16 * 1024, lingerMs: 100, maxPendingBytes: 16 * 1024 * 1024 };

/** The file calls it makes: fs.write and fs.writeSync, or a stand-in for faults a test cannot cause. */
export interface OutputIo {
  write(fd: number, data: Buffer, cb: (err: NodeJS.ErrnoException | null, written: number) => void): void;
  writeSync(fd: number, data: Buffer): number;
}

const FS_IO: OutputIo = { write: (fd, data, cb) => fsWrite(fd, data, cb), writeSync: (fd, data) => fsWriteSync(fd, data) };

/** A full non-blocking pipe: try again after this long; on exit, for this long at most. */
const AGAIN_MS = 50;
const EXIT_WAIT_MS = 2000;

function lineCount(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

export interface BatchedOutput {
  /** pino's destination call: one serialized line. */
  write(line: string): void;
  /** Write what waits now, synchronously (process exit). */
  flushSync(): void;
  /** Lines dropped because output was not read. */
  readonly dropped: number;
}

export function batchedOutput(fd: number, o: BatchedOutputOptions = BATCHED_OUTPUT_DEFAULTS, io: OutputIo = FS_IO): BatchedOutput {
  let pending: string[] = [];
  let pendingBytes = 0;
  let writing = false;
  let closed = false; // the reader is gone (EPIPE, EBADF): nothing more can be written
  let timer: NodeJS.Timeout | undefined;
  let dropped = 0;
  let droppedTold = 0;

  const take = (): Buffer => {
    if (dropped > droppedTold) {
      pending.push(
        `${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg: `${dropped - droppedTold} log lines dropped: standard output was not read` })}\n`,
      );
      droppedTold = dropped;
    }
    const buf = Buffer.from(pending.join(''), 'utf8');
    pending = [];
    pendingBytes = 0;
    return buf;
  };

  const schedule = (): void => {
    if (writing || closed || pending.length === 0) return;
    if (pendingBytes >= o.batchBytes) return start();
    timer ??= setTimeout(start, o.lingerMs).unref();
  };

  function start(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (writing || closed || pending.length === 0) return;
    writing = true;
    let buf = take();
    const go = (): void =>
      io.write(fd, buf, (err, written) => {
        if (err?.code === 'EAGAIN') {
          setTimeout(go, AGAIN_MS).unref();
          return;
        }
        if (err) {
          // The reader is gone: what was being written and what waits are lost, and counted.
          closed = true;
          writing = false;
          dropped += pending.length + lineCount(buf);
          pending = [];
          pendingBytes = 0;
          return;
        }
        if (written < buf.length) {
          buf = buf.subarray(written);
          go();
          return;
        }
        writing = false;
        schedule();
      });
    go();
  }

  return {
    write(line) {
      if (closed) {
        dropped++;
        return;
      }
      const bytes = Buffer.byteLength(line);
      if (pendingBytes + bytes > o.maxPendingBytes) {
        dropped++;
        return;
      }
      pending.push(line);
      pendingBytes += bytes;
      schedule();
    },
    flushSync() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (closed || pending.length === 0) return;
      let buf = take();
      const until = Date.now() + EXIT_WAIT_MS;
      while (buf.length > 0) {
        try {
          buf = buf.subarray(io.writeSync(fd, buf));
        } catch (err) {
          // A full non-blocking pipe: wait a little for its reader; anything else, or too long: give up.
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > until) return;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, AGAIN_MS);
        }
      }
    },
    get dropped() {
      return dropped;
    },
  };
}
