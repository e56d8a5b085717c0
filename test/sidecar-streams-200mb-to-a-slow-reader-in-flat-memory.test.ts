// A 200 MB upstream body streamed to a client that reads slowly: the sidecar
// process applies backpressure instead of buffering, so its memory stays flat.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { startFaultUpstream, type FaultUpstream } from './support/fault-upstream.ts';
import { rssMiB } from './support/rss.ts';
import { makeKeys, mint, startChild, type ChildSidecar } from './support/sidecar.ts';

const keys = makeKeys();
const TOTAL = 200 * 1024 * 1024;
let up: FaultUpstream;
let sidecar: ChildSidecar;

before(async () => {
  up = await startFaultUpstream({ bytes: TOTAL });
  sidecar = await startChild(keys, up.url, ['--max-response-bytes', '1GiB']);
});
after(async () => {
  await sidecar.close();
  await up.close();
});

test('streaming 200 MB to a slow reader keeps the sidecar RSS flat', async () => {
  const pid = sidecar.child.pid!;
  const idle = rssMiB(pid);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 25);
  const received = await new Promise<number>((resolve, reject) => {
    const req = request(`${sidecar.url}/debug/pprof/heap`, { rejectUnauthorized: false, headers: { authorization: `Bearer ${mint(keys, 'heap')}` } }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        // A slow reader: pause after every 4 MiB for a moment.
        if (n % (4 * 1024 * 1024) < c.length) {
          res.pause();
          setTimeout(() => res.resume(), 40);
        }
      });
      res.on('end', () => resolve(n));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  clearInterval(sampler);
  assert.equal(received, TOTAL, 'every byte arrived');
  assert.ok(peak - idle < 40, `RSS grew by ${(peak - idle).toFixed(1)} MiB (idle ${idle.toFixed(1)}, peak ${peak.toFixed(1)})`);
});
