// The scrape benchmark's load, in its own process, shaped as Alloy's and
// Parca's scrape loops are: every target is scraped once per interval at its
// own offset inside the interval (spread evenly and shuffled, as their target
// hashes spread them), the next scrape of a target never starts before its previous one
// ended, and one keep-alive client is shared by every target (Go's transport
// keeps a connection per request in flight, so: no socket cap).
//
// argv: a JSON file {targets: [{url, type}], intervalS, intervals, token, caFile}.
// Prints {scrapes: [{type, round, ms, status, bytes}], started, ended} as JSON.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { prng } from '../../test/kit/measure/prng.ts';

interface Plan {
  targets: { url: string; type: string }[];
  intervalS: number;
  intervals: number;
  token: string;
  caFile: string;
}

export interface Scrape {
  type: string;
  /** The interval it belongs to (0: the first). */
  round: number;
  ms: number;
  status: number;
  bytes: number;
}

async function main(): Promise<void> {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Plan;
  const agent = new Agent({
    keepAlive: true,
    maxSockets: Infinity,
    maxFreeSockets: 100_000,
    ca: readFileSync(plan.caFile),
    timeout: 120_000,
  });
  const scrapes: Scrape[] = [];
  const get = (url: string, type: string, round: number): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const done = (status: number, bytes: number): void => {
        scrapes.push({ type, round, ms: performance.now() - t0, status, bytes });
        resolve();
      };
      const r = request(
        url,
        { agent, headers: { authorization: `Bearer ${plan.token}`, 'user-agent': 'podprof-bench-scraper' } },
        (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () => done(res.statusCode ?? 0, bytes));
          res.on('error', () => done(-1, bytes));
        },
      );
      r.on('error', () => done(-1, 0));
      r.end();
    });
  const intervalMs = plan.intervalS * 1000;
  const started = Date.now() + 500;
  // Offsets as a hash would spread them: a fixed permutation, so one pod's types are not back to back.
  const slot = plan.targets.map((_, k) => k);
  const rand = prng(11);
  for (let k = slot.length - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    [slot[k], slot[j]] = [slot[j]!, slot[k]!];
  }
  const loops = plan.targets.map(async (t, k) => {
    const offset = (slot[k]! / plan.targets.length) * intervalMs;
    for (let j = 0; j < plan.intervals; j++) {
      const at = started + offset + j * intervalMs;
      const wait = at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await get(t.url, t.type, j);
    }
  });
  await Promise.all(loops);
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ scrapes, started, ended: Date.now() })}\n`);
}

if (process.argv[1]?.endsWith('scraper.ts')) await main();
