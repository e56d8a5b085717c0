// What bench/sidecar measures, each the same way for every side (bench/sidecar/anchors.ts):
// latency of a small profile, 50 MiB throughput, RSS idle, under 50 concurrent
// streams and across 10,000 requests.
import { setTimeout as sleep } from 'node:timers/promises';
import { median, resetPeakRss, sampleRss, summarize, type Percentiles } from '../lib/stats.ts';
import { rssMiB, statusKiB } from '../../test/kit/measure/rss.ts';
import { expectOk, get, type Side } from './client.ts';

const MiB = 1024 * 1024;

export interface Memory {
  /** VmRSS, MiB: what `kubectl top` and the kernel's OOM accounting start from. */
  readonly rss: number;
  /** RssAnon, MiB: the process's own memory; file pages (the runtime binary) are shared by every pod of a node using the image. */
  readonly anon: number;
}

export function memory(pid: number): Memory {
  return { rss: rssMiB(pid), anon: (statusKiB(pid, 'RssAnon') ?? Number.NaN) / 1024 };
}

/** Interleaved batches (ABC…, …CBA) of sequential GETs over one keep-alive connection per side. */
export async function latency(
  sides: readonly Side[],
  o: { warmup: number; requests: number; batches: number },
): Promise<Record<string, Percentiles & { bytes: number }>> {
  const samples: Record<string, number[]> = Object.fromEntries(sides.map((s) => [s.name, []]));
  let bytes = 0;
  const batch = async (s: Side, n: number, record: boolean): Promise<void> => {
    const headers = s.headers(n);
    for (let i = 0; i < n; i++) {
      const t = expectOk(await get(s.url, s.agent, headers[i]), `latency via ${s.name}`);
      bytes = t.bytes;
      if (record) samples[s.name]!.push(t.ms);
    }
  };
  for (const s of sides) await batch(s, o.warmup, false);
  const per = Math.ceil(o.requests / o.batches);
  for (let b = 0; b < o.batches; b++) for (const s of b % 2 === 0 ? sides : [...sides].reverse()) await batch(s, per, true);
  return Object.fromEntries(sides.map((s) => [s.name, { ...summarize(samples[s.name]!), bytes }]));
}

/** MiB/s of one `bytes`-long GET per side, interleaved, median of `runs` after two warm-ups. */
export async function throughput(
  sides: readonly Side[],
  bytes: number,
  runs: number,
): Promise<Record<string, { median: number; runs: number[] }>> {
  const out: Record<string, number[]> = Object.fromEntries(sides.map((s) => [s.name, []]));
  const once = async (s: Side): Promise<number> => {
    const t = expectOk(await get(s.url, s.agent, s.headers(1)[0]), `throughput via ${s.name}`, bytes);
    return t.bytes / MiB / (t.ms / 1000);
  };
  for (let i = 0; i < 2; i++) for (const s of sides) await once(s);
  for (let i = 0; i < runs; i++) for (const s of i % 2 === 0 ? sides : [...sides].reverse()) out[s.name]!.push(await once(s));
  return Object.fromEntries(sides.map((s) => [s.name, { median: median(out[s.name]!), runs: out[s.name]! }]));
}

export interface LoadResult {
  readonly peakMiB: number;
  readonly kernelPeakMiB: number | undefined;
  readonly seconds: number;
  readonly failures: string[];
}

/** `streams` concurrent `bytes`-long GETs through `s` while sampling the RSS of `pid`. */
export async function underLoad(s: Side, pid: number, streams: number, bytes: number): Promise<LoadResult> {
  const hwmReset = resetPeakRss(pid);
  const sampler = sampleRss(pid, 20);
  const headers = s.headers(streams);
  const t0 = performance.now();
  const results = await Promise.allSettled(headers.map((h) => get(s.url, s.agent, h)));
  const seconds = (performance.now() - t0) / 1000;
  const sampled = sampler.stop();
  const hwm = statusKiB(pid, 'VmHWM');
  const failures: string[] = [];
  for (const r of results) {
    if (r.status === 'rejected') failures.push(String(r.reason));
    else if (r.value.status !== 200 || r.value.bytes !== bytes)
      failures.push(`HTTP ${r.value.status} after ${r.value.bytes} bytes ${r.value.body.slice(0, 200)}`);
  }
  return { peakMiB: sampled.peakMiB, kernelPeakMiB: hwmReset && hwm !== undefined ? hwm / 1024 : undefined, seconds, failures };
}

export interface Growth {
  readonly requests: number;
  readonly before: Memory;
  readonly after: Memory;
  /** after.rss / before.rss − 1. */
  readonly growth: number;
}

/** RSS of a warmed-up side, then `requests` more small GETs `concurrency` at a time, then RSS again (1 s after each). */
export async function growth(s: Side, pid: number, requests: number, concurrency: number): Promise<Growth> {
  await sleep(1000);
  const before = memory(pid);
  const headers = s.headers(requests);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests) expectOk(await get(s.url, s.agent, headers[next++]), `growth via ${s.name}`);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await sleep(1000);
  const after = memory(pid);
  return { requests, before, after, growth: after.rss / before.rss - 1 };
}
