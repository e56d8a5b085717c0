// Bodies streamed to a client that reads slowly: the sidecar applies
// backpressure instead of buffering, so its memory does not grow with the body.
// Flat is measured as the difference between a 50 MB and a 200 MB body through
// the same sidecar process (a buffering proxy would grow by 150 MB more), plus
// an absolute ceiling well under the body size.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { startFaultUpstream, type FaultUpstream } from '../kit/apps/fault-upstream.ts';
import { rssMiB } from '../kit/measure/rss.ts';
import { makeKeys, mint, startChild, type ChildSidecar } from '../kit/product/sidecar.ts';

const keys = makeKeys();
const MiB = 1024 * 1024;
let up: FaultUpstream;
let sidecar: ChildSidecar;

before(async () => {
  up = await startFaultUpstream({ bytes: 50 * MiB });
  sidecar = await startChild(keys, up.url, ['--max-response-bytes', '1GiB']);
});
after(async () => {
  await sidecar.close();
  await up.close();
});

/** Streams the upstream's body through the sidecar to a slow reader; resolves with bytes received and peak RSS. */
async function slowRead(): Promise<{ received: number; peak: number }> {
  const pid = sidecar.child.pid!;
  let peak = rssMiB(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 25);
  try {
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${sidecar.url}/debug/pprof/heap`,
        { rejectUnauthorized: false, headers: { authorization: `Bearer ${mint(keys, 'heap')}` } },
        (res) => {
          let n = 0;
          res.on('data', (c: Buffer) => {
            n += c.length;
            // A slow reader: pause after every 4 MiB for a moment.
            if (n % (4 * MiB) < c.length) {
              res.pause();
              setTimeout(() => res.resume(), 40);
            }
          });
          res.on('end', () => resolve(n));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    return { received, peak };
  } finally {
    clearInterval(sampler);
  }
}

test('streaming 200 MB to a slow reader keeps the sidecar RSS flat: no more than for 50 MB', async (t) => {
  const idle = rssMiB(sidecar.child.pid!);
  const small = await slowRead();
  assert.equal(small.received, 50 * MiB);
  up.mode = { bytes: 200 * MiB };
  const large = await slowRead();
  assert.equal(large.received, 200 * MiB, 'every byte arrived');
  const detail = `idle ${idle.toFixed(1)} MiB, peak after 50 MB ${small.peak.toFixed(1)}, after 200 MB ${large.peak.toFixed(1)}`;
  t.diagnostic(detail);
  assert.ok(large.peak - small.peak < 24, `150 MB more body cost ${(large.peak - small.peak).toFixed(1)} MiB more memory (${detail})`);
  assert.ok(large.peak - idle < 64, `RSS grew by ${(large.peak - idle).toFixed(1)} MiB for a 200 MB body (${detail})`);
});
