// A real Parca server (v0.28.0, built from Go source into the cache by
// test/kit/parca.ts) runs docs/integrations/parca.yaml as shipped — only the
// gateway's URL, the token and CA files and the storage directory are the
// test's — against three pods behind the gateway, one of which allows only
// heap and goroutine. After two scrape intervals Parca's own API holds every
// pod's process_cpu and memory series (the third pod's memory and no CPU) with
// the right namespace and pod labels, each target is healthy (no 429 from an
// overlapping CPU capture), and each pod is scraped once per type it allows.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createCertificate } from '../../src/tls/x509.ts';
import { freePorts } from '../kit/cluster/ports.ts';
import { spawnManaged, type ManagedProcess } from '../kit/cluster/proc.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';
import { buildParca } from '../kit/scrapers/parca.ts';
import { REPO } from '../kit/product/sidecar.ts';

const SHIPPED = join(REPO, 'docs/integrations/parca.yaml');
const dir = mkdtempSync(join(tmpdir(), 'podprof-parca-'));
const ca = createCertificate({ commonName: 'test gateway CA', isCA: true });
const leaf = createCertificate({
  commonName: '127.0.0.1',
  ipAddresses: ['127.0.0.1'],
  issuer: { commonName: 'test gateway CA', key: ca.key },
});
writeFileSync(join(dir, 'ca.crt'), ca.certPem);
writeFileSync(join(dir, 'tls.crt'), leaf.certPem);
writeFileSync(join(dir, 'tls.key'), leaf.keyPem, { mode: 0o600 });

let harness: Harness;
let parca: ManagedProcess;
let api: string;

/** The shipped file with the deployment's addresses replaced by the test's; every other line as shipped. */
function testConfig(gatewayUrl: string, tokenFile: string): string {
  const shipped = readFileSync(SHIPPED, 'utf8');
  const swaps: [string, string][] = [
    ['https://podprof-gateway.podprof-system.svc:8443', gatewayUrl],
    ['/var/run/secrets/podprof/token', tokenFile],
    ['/etc/podprof/gateway-ca.crt', join(dir, 'ca.crt')],
    ['directory: ./data', `directory: ${join(dir, 'data')}`],
  ];
  let out = shipped;
  for (const [from, to] of swaps) {
    assert.ok(out.includes(from), `the shipped config has ${from}`);
    out = out.replaceAll(from, to);
  }
  return out;
}

before(async () => {
  const [bin, h, [port]] = await Promise.all([
    buildParca(),
    startHarness({
      pods: 3,
      profiles: (i) => (i === 2 ? ['heap', 'goroutine'] : undefined),
      gatewayArgs: ['--tls-cert-file', join(dir, 'tls.crt'), '--tls-key-file', join(dir, 'tls.key')],
    }),
    freePorts(1),
  ]);
  harness = h;
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, harness.token, { mode: 0o600 });
  writeFileSync(join(dir, 'parca.yaml'), testConfig(harness.url, tokenFile));
  api = `http://127.0.0.1:${port}/api`;
  parca = spawnManaged({
    name: 'parca',
    bin,
    // No debuginfod upstream: Go profiles carry their symbols, and nothing leaves the machine.
    args: [
      `--config-path=${join(dir, 'parca.yaml')}`,
      `--http-address=127.0.0.1:${port}`,
      `--debuginfo-cache-dir=${dir}`,
      '--debuginfod-upstream-servers=',
      '--log-level=warn',
    ],
    logFile: join(dir, 'parca.log'),
  });
});

after(async () => {
  await parca?.stop();
  await harness?.close();
});

async function get<T>(path: string): Promise<T> {
  const r = await fetch(`${api}${path}`);
  const text = await r.text();
  assert.equal(r.status, 200, `${path}: ${text}\n${parca.logTail()}`);
  return JSON.parse(text) as T;
}

interface ParcaTarget {
  labels: { labels: { name: string; value: string }[] };
  lastError: string;
  lastScrape: string;
  url: string;
  health: string;
}

const labelOf = (t: ParcaTarget, name: string): string | undefined => t.labels.labels.find((l) => l.name === name)?.value;

/** Parca's active targets (those its relabelling kept). */
async function activeTargets(): Promise<ParcaTarget[]> {
  const r = await get<{ targets: Record<string, { targets: ParcaTarget[] }> }>('/targets?state=STATE_ACTIVE');
  return Object.values(r.targets ?? {}).flatMap((x) => x.targets ?? []);
}

interface Series {
  labelset: { labels: { name: string; value: string }[] };
  samples: { timestamp: string; value: string }[];
}

async function series(profileType: string, from: Date): Promise<Series[]> {
  const q = new URLSearchParams({
    query: `${profileType}{namespace="team-a"}`,
    start: from.toISOString(),
    end: new Date().toISOString(),
    step: '1s',
    limit: '100',
  });
  for (const label of ['namespace', 'pod', 'service_name']) q.append('sum_by', label);
  const r = await get<{ series?: Series[] }>(`/profiles/query_range?${q.toString()}`);
  return r.series ?? [];
}

const podOf = (s: Series): string | undefined => s.labelset.labels.find((l) => l.name === 'pod')?.value;

test(
  'Parca on the shipped config scrapes each pod once per allowed type through the gateway, and its API has every pod’s process_cpu and memory',
  { timeout: 150_000 },
  async () => {
    const started = new Date(Date.now() - 60_000);
    const deadline = Date.now() + 120_000;
    let targets: ParcaTarget[];
    let cpu: Series[] = [];
    let memory: Series[] = [];
    let memoryType = '';
    let cpuType = '';
    // Two intervals: every pod's memory series has a sample from two scrapes.
    for (;;) {
      if (parca.exitInfo() !== undefined) assert.fail(`${parca.exitInfo()}\n${parca.logTail()}`);
      try {
        const types =
          (
            await get<{
              types?: { name: string; sampleType: string; sampleUnit: string; periodType: string; periodUnit: string; delta: boolean }[];
            }>('/profiles/types')
          ).types ?? [];
        const id = (t: (typeof types)[number]): string =>
          `${t.name}:${t.sampleType}:${t.sampleUnit}:${t.periodType}:${t.periodUnit}${t.delta ? ':delta' : ''}`;
        cpuType = types.filter((t) => t.name === 'process_cpu' && t.sampleType === 'cpu').map(id)[0] ?? '';
        memoryType = types.filter((t) => t.name === 'memory' && t.sampleType === 'inuse_space').map(id)[0] ?? '';
        targets = await activeTargets();
        cpu = cpuType === '' ? [] : await series(cpuType, started);
        memory = memoryType === '' ? [] : await series(memoryType, started);
        const twice = (s: Series[], pods: string[]): boolean =>
          pods.every((p) => (s.find((x) => podOf(x) === p)?.samples.length ?? 0) >= 2);
        if (twice(memory, ['web-0', 'web-1', 'web-2']) && twice(cpu, ['web-0', 'web-1'])) break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline)
        assert.fail(
          `Parca did not get two scrapes of every pod in time: cpu ${JSON.stringify(cpu.map(podOf))}, memory ${JSON.stringify(memory.map(podOf))}, types ${cpuType} ${memoryType}\n${parca.logTail()}`,
        );
      await new Promise((r) => setTimeout(r, 2000));
    }

    // One target per pod and allowed type, at that type's URL on the gateway.
    const seen = targets.map((t) => `${labelOf(t, 'pod')} ${new URL(t.url).pathname}`).sort();
    const base = '/api/v1/namespaces/team-a/pods';
    const want = [0, 1].flatMap((i) => [
      `web-${i} ${base}/web-${i}/debug/pprof/block`,
      `web-${i} ${base}/web-${i}/debug/pprof/goroutine`,
      `web-${i} ${base}/web-${i}/debug/pprof/heap`,
      `web-${i} ${base}/web-${i}/debug/pprof/mutex`,
      `web-${i} ${base}/web-${i}/debug/pprof/profile`,
    ]);
    want.push(`web-2 ${base}/web-2/debug/pprof/goroutine`, `web-2 ${base}/web-2/debug/pprof/heap`);
    assert.deepEqual(seen, want.sort());
    const cpuTarget = targets.find((t) => labelOf(t, 'pod') === 'web-0' && new URL(t.url).pathname.endsWith('/profile'))!;
    assert.equal(new URL(cpuTarget.url).searchParams.get('seconds'), '9', 'the CPU capture ends before the next interval');
    for (const t of targets) assert.equal(t.lastError, '', `${t.url}: ${t.lastError}`);

    // The series carry the pod's identity as podprof discovered it.
    for (const s of [...cpu, ...memory]) {
      const labels = Object.fromEntries(s.labelset.labels.map((l) => [l.name, l.value]));
      assert.equal(labels.namespace, 'team-a');
      assert.equal(labels.service_name, 'team-a/web');
      assert.match(labels.pod ?? '', /^web-[0-2]$/);
    }
    assert.deepEqual(cpu.map(podOf).sort(), ['web-0', 'web-1'], 'the pod that does not allow CPU profiles has none');
    assert.deepEqual(memory.map(podOf).sort(), ['web-0', 'web-1', 'web-2']);

    // The gateway answered every scrape: none was refused or failed.
    const scrapes = harness.logs
      .flatMap((l) => (JSON.parse(l) as { audit?: { path?: string; status?: number } }).audit ?? [])
      .filter((e) => e.path?.includes('/debug/pprof/'));
    assert.ok(scrapes.length >= 14, `two intervals of 12 targets went through the gateway (${scrapes.length})`);
    assert.deepEqual(
      scrapes.filter((e) => e.status !== 200).map((e) => `${e.path} ${e.status}`),
      [],
    );
  },
);
