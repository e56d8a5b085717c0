// The worker threads that decode captures bound what a hostile but valid
// profile can cost: past the worker's heap (--decode-memory) or its time the job
// fails naming the limit, only that worker dies, and the next job runs on a new
// one. A bad profile fails with the decoder's words.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { ProfileWorkers } from '../../gateway/captures/profile-workers.ts';

const DIR = mkdtempSync(join(tmpdir(), 'podprof-workers-'));

/** A valid gzipped profile of `samples` samples, each with its own 3-frame stack. */
function profileFile(name: string, samples: number): string {
  const st = new StringTable();
  const fns: PFunction[] = [];
  const locs: Location[] = [];
  const sample: Sample[] = [];
  for (let i = 1; i <= samples; i++) {
    fns.push(new PFunction({ id: i, name: st.dedup(`main.f${i}`), filename: st.dedup('main.go') }));
    locs.push(new Location({ id: i, line: [new Line({ functionId: i, line: i })] }));
    sample.push(new Sample({ locationId: [i, ((i * 7) % samples) + 1, ((i * 13) % samples) + 1], value: [i] }));
  }
  const p = new Profile({
    sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })],
    sample,
    location: locs,
    function: fns,
    stringTable: st,
  });
  const file = join(DIR, name);
  writeFileSync(file, gzipSync(p.encode()));
  return file;
}

const small = profileFile('small.pb.gz', 10);
const large = profileFile('large.pb.gz', 400_000);
const workers = new ProfileWorkers({ workers: 1, heapMiB: 32, timeoutMs: 60_000 });
after(() => workers.close());

const summarize = (w: ProfileWorkers, file: string): ReturnType<ProfileWorkers['run']> =>
  w.run({ kind: 'summarize', input: { pod: 'p', file, what: 'the profile of team-a/p' }, maxDecodedBytes: 256 * 1024 * 1024 });

test('a profile that needs more heap than the worker has fails naming --decode-memory, and the next job runs', async () => {
  assert.deepEqual(await summarize(workers, small), { totals: { 'samples/count': '55' } });
  await assert.rejects(summarize(workers, large), /^ProfileJobError: decoding it needed more than 32 MiB of memory \(--decode-memory\)$/);
  assert.deepEqual(await summarize(workers, small), { totals: { 'samples/count': '55' } }, 'a fresh worker took the next job');
});

test('a job that takes longer than the timeout fails saying so', async () => {
  const slow = new ProfileWorkers({ workers: 1, heapMiB: 512, timeoutMs: 1 });
  try {
    await assert.rejects(summarize(slow, large), /decoding it took longer than 0\.001s/);
  } finally {
    await slow.close();
  }
});

test('a file that is not a profile fails in the decoder’s words; jobs queue behind one worker', async () => {
  const junk = join(DIR, 'junk.pb.gz');
  writeFileSync(junk, gzipSync(Buffer.from('not a protobuf at all')));
  const results = await Promise.allSettled([summarize(workers, junk), summarize(workers, small), summarize(workers, small)]);
  assert.equal(results[0].status, 'rejected');
  assert.match(String(results[0].reason), /the profile of team-a\/p is not a pprof protobuf/);
  assert.deepEqual(
    results.slice(1).map((r) => r.status),
    ['fulfilled', 'fulfilled'],
  );
});

test("jobs take turns between users: one user's queue of slow profiles delays another's by one job", async () => {
  const fair = new ProfileWorkers({ workers: 1, heapMiB: 512, timeoutMs: 60_000 });
  const medium = profileFile('medium.pb.gz', 100_000);
  try {
    const order: string[] = [];
    const run = (owner: string, file: string, tag: string): Promise<void> =>
      fair
        .run({ kind: 'summarize', input: { pod: 'p', file, what: tag }, maxDecodedBytes: 256 * 1024 * 1024 }, owner)
        .then(() => void order.push(tag));
    const jobs = [1, 2, 3, 4].map((i) => run('mallory', medium, `mallory-${i}`));
    jobs.push(run('alice', small, 'alice'));
    await Promise.all(jobs);
    assert.deepEqual(order.slice(0, 2), ['mallory-1', 'alice'], `order: ${order.join(', ')}`);
  } finally {
    await fair.close();
  }
});

test("a user's jobs past their queue share are refused at once, and another user's still run", async () => {
  const capped = new ProfileWorkers({ workers: 1, heapMiB: 256, timeoutMs: 60_000, queue: { perOwner: 2, total: 100 } });
  try {
    const job = (file: string): Parameters<ProfileWorkers['run']>[0] => ({
      kind: 'summarize',
      input: { pod: 'p', file, what: 'x' },
      maxDecodedBytes: 256 * 1024 * 1024,
    });
    // The first runs at once; two more wait (her share); the fourth is refused.
    const mine = [1, 2, 3, 4].map(() => capped.run(job(small), 'mallory'));
    await assert.rejects(mine[3]!, /this user has too many profiles waiting to be decoded/);
    assert.deepEqual(await capped.run(job(small), 'alice'), { totals: { 'samples/count': '55' } });
    await Promise.all(mine.slice(0, 3));
  } finally {
    await capped.close();
  }
});
