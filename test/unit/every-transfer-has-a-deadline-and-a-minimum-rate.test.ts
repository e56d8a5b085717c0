// The transfer watch (src/http/transfer.ts) every body from an untrusted peer
// goes through: headers by recording + margin, then the body at a minimum rate
// once the recording is over, and the whole exchange by a total deadline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PodprofError } from '../../src/errors.ts';
import { watchTransfer, transferDeadline } from '../../src/http/transfer.ts';

const limits = { budgetMs: 2000, minBytesPerSecond: 1000, windowMs: 100 };

function watch(recordMs = 0, marginMs = 300): { w: ReturnType<typeof watchTransfer>; expired: () => PodprofError | undefined } {
  let err: PodprofError | undefined;
  const w = watchTransfer({ startedAt: Date.now(), recordMs, marginMs, limits, peer: 'the app' }, (e) => (err = e));
  return { w, expired: () => err };
}

test('a peer that never answers is cut at recording + margin', async () => {
  const { expired } = watch(0, 150);
  await sleep(400);
  assert.match(expired()?.message ?? '', /^the app did not answer within 0\.2s$/);
  assert.equal(expired()?.code, 'PODPROF_UPSTREAM_TIMEOUT');
});

test('a peer that answers and then trickles is cut within a window or two', async () => {
  const { w, expired } = watch();
  w.started();
  const trickle = setInterval(() => w.count(1), 20);
  await sleep(450);
  clearInterval(trickle);
  assert.match(expired()?.message ?? '', /^the app sent \d bytes in 0\.1s, under the 1000 bytes\/s podprof waits for$/);
});

test('a peer sending at the rate is never cut by the rate, only by the total deadline', async () => {
  const { w, expired } = watch();
  w.started();
  const steady = setInterval(() => w.count(200), 20); // 10,000 bytes/s
  await sleep(500);
  assert.equal(expired(), undefined);
  clearInterval(steady);
  w.stop();
  assert.equal(transferDeadline({ startedAt: 1000, recordMs: 30_000, marginMs: 15_000, limits, peer: 'x' }), 1000 + 30_000 + 15_000 + 2000);
});

test('during the recording a silent body is waited for: a trace streams, a CPU profile comes at the end', async () => {
  const { w, expired } = watch(400, 300);
  w.started(); // headers came early, as a trace's do
  await sleep(300);
  assert.equal(expired(), undefined, 'no rate check before the recording is over');
  w.stop();
});

test('once stopped, a watch never fires', async () => {
  const { w, expired } = watch(0, 50);
  w.stop();
  await sleep(200);
  assert.equal(expired(), undefined);
});
