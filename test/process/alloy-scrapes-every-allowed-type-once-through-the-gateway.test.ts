// The Alloy contract (issue 11): Grafana Alloy's own URL-and-label rules
// (test/kit/alloy-rules.ts, quoted from its target.go and scrape_loop.go)
// applied to the gateway's real /sd/targets answer yield exactly one scrape per
// pod and allowed type — none for a type the pod does not allow — each at its
// own URL, even when the Alloy config sets a path_prefix of its own; and every
// URL answers 200 application/octet-stream with a profile of that type, fetched
// through the gateway with the scraper's bearer token as Alloy sends it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { useHarness } from '../kit/product/gateway.ts';
import { alloyScrapes } from '../kit/scrapers/alloy-rules.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';

const harness = useHarness({ pods: 2, profiles: (i) => (i === 1 ? ['heap', 'goroutine'] : undefined) });

async function groups(): Promise<Array<{ targets: string[]; labels: Record<string, string> }>> {
  const r = await httpsRequest(`${harness().url}/sd/targets`, { headers: bearer(harness().token) });
  assert.equal(r.status, 200, r.text);
  return JSON.parse(r.text) as Array<{ targets: string[]; labels: Record<string, string> }>;
}

/** The sample types a profile of each Alloy name carries. */
const SAMPLE_TYPES: Record<string, string> = {
  process_cpu: 'cpu',
  memory: 'inuse_space',
  goroutine: 'goroutine',
  block: 'contentions',
  mutex: 'contentions',
};

test('one scrape per pod and allowed type, each at its own URL; none for types a pod does not allow; the CPU one asks interval − 1 seconds', async () => {
  const scrapes = alloyScrapes(await groups(), { job: 'podprof', intervalSeconds: 3 });
  const byPod = (pod: string): string[] =>
    scrapes
      .filter((s) => s.labels.pod === pod)
      .map((s) => s.name)
      .sort();
  assert.deepEqual(byPod('web-0'), ['block', 'goroutine', 'memory', 'mutex', 'process_cpu']);
  assert.deepEqual(byPod('web-1'), ['goroutine', 'memory'], 'web-1 allows heap and goroutine only');
  assert.equal(new Set(scrapes.map((s) => s.url)).size, scrapes.length, 'no two scrapes share a URL');
  const cpu = scrapes.find((s) => s.labels.pod === 'web-0' && s.name === 'process_cpu')!;
  assert.equal(new URL(cpu.url).pathname, '/api/v1/namespaces/team-a/pods/web-0/debug/pprof/profile');
  assert.equal(new URL(cpu.url).searchParams.get('seconds'), '2');
  assert.ok(scrapes.every((s) => s.labels.service_name === 'team-a/web' && s.labels.namespace === 'team-a'));
});

test('an Alloy path_prefix of its own does not move the URLs: each group carries its pod’s prefix', async () => {
  const plain = alloyScrapes(await groups(), { job: 'podprof', intervalSeconds: 3 })
    .map((s) => s.url)
    .sort();
  const prefixed = alloyScrapes(await groups(), { job: 'podprof', intervalSeconds: 3, pathPrefix: '/somewhere/else' })
    .map((s) => s.url)
    .sort();
  assert.deepEqual(prefixed, plain);
});

test('every URL Alloy would scrape answers 200 application/octet-stream with a profile of its type', async () => {
  for (const s of alloyScrapes(await groups(), { job: 'podprof', intervalSeconds: 3 })) {
    const r = await httpsRequest(s.url, { headers: bearer(harness().token) });
    assert.equal(r.status, 200, `${s.url}: ${r.text.slice(0, 200)}`);
    assert.match(String(r.headers['content-type']), /^application\/octet-stream/, s.url);
    const p = Profile.decode(gunzipSync(r.body));
    const types = p.sampleType.map((t) => String(p.stringTable.strings[Number(t.type)]));
    assert.ok(types.includes(SAMPLE_TYPES[s.name]!), `${s.name} at ${s.url}: sample types ${types.join(', ')}`);
  }
});
