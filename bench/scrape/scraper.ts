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

/** One keep-alive client for every target, as Go's transport is: a connection per request in flight, no socket cap. */
export function scrapeAgent(caFile: string): Agent {
  return new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 100_000, ca: readFileSync(caFile), timeout: 120_000 });
}

/** One scrape: a GET with the bearer token; its status (-1: no answer, or cut short) and the body's bytes, read and dropped. */
export function scrape(agent: Agent, url: string, token: string, userAgent: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve) => {
    const r = request(url, { agent, headers: { authorization: `Bearer ${token}`, 'user-agent': userAgent } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', () => resolve({ status: -1, bytes }));
    });
    r.on('error', () => resolve({ status: -1, bytes: 0 }));
    r.end();
  });
}

async function main(): Promise<void> {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Plan;
  const agent = scrapeAgent(plan.caFile);
  const scrapes: Scrape[] = [];
  const get = async (url: string, type: string, round: number): Promise<void> => {
    const t0 = performance.now();
    const { status, bytes } = await scrape(agent, url, plan.token, 'podprof-bench-scraper');
    scrapes.push({ type, round, ms: performance.now() - t0, status, bytes });
  };
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
