// The scrape benchmark's capacity load, in its own process: for each group of
// scrape URLs (one group per gateway), a fixed number of requests always in
// flight, each worker starting its next scrape as soon as its last one ends,
// for a warm-up and then a measured window. What completes in the window is
// the throughput the gateways behind the groups sustain; with their CPU
// limited, it is their capacity per core.
//
// argv: a JSON file {groups: [[url]], concurrency, from (epoch ms: the window's start; before it, the warm-up),
// measureS, token, caFile}.
// Prints {groups: [{ok, failed, p50Ms, p99Ms}], measureS} as JSON.
import { readFileSync } from 'node:fs';
import { percentile } from '../lib/stats.ts';
import { scrape, scrapeAgent } from './scraper.ts';

interface Plan {
  groups: string[][];
  concurrency: number;
  from: number;
  measureS: number;
  token: string;
  caFile: string;
}

export interface GroupResult {
  /** Scrapes answered 200 inside the measured window. */
  ok: number;
  /** Other answers inside the window, by status (-1: no answer). */
  failed: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
}

async function main(): Promise<void> {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Plan;
  const agent = scrapeAgent(plan.caFile);
  const from = plan.from;
  const to = from + plan.measureS * 1000;
  const results = await Promise.all(
    plan.groups.map(async (urls) => {
      const result: GroupResult = { ok: 0, failed: {}, p50Ms: 0, p99Ms: 0 };
      const ms: number[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (Date.now() < to) {
          const url = urls[next++ % urls.length]!;
          const t0 = Date.now();
          const { status } = await scrape(agent, url, plan.token, 'podprof-bench-saturate');
          const t1 = Date.now();
          if (t1 < from || t1 > to) continue;
          if (status === 200) {
            result.ok++;
            ms.push(t1 - t0);
          } else result.failed[status] = (result.failed[status] ?? 0) + 1;
        }
      };
      await Promise.all(Array.from({ length: plan.concurrency }, worker));
      result.p50Ms = percentile(ms, 50);
      result.p99Ms = percentile(ms, 99);
      return result;
    }),
  );
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ groups: results, measureS: plan.measureS })}\n`);
}

if (process.argv[1]?.endsWith('saturate.ts')) await main();
