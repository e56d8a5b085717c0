// Grafana Alloy's own runtime and components (v1.10.0: discovery.http →
// pyroscope.scrape → pyroscope.write, built by test/kit/alloy.ts) run
// docs/integrations/alloy.alloy as shipped — only the gateway's and
// Pyroscope's URLs and the token and CA files are the test's — against three
// pods behind the gateway, one of which allows only heap and goroutine, and
// push to a receiver that decodes Pyroscope's Push call. Over two intervals
// every pod's allowed types arrive once per interval under Pyroscope's names
// with podprof's labels, each a profile of its type, and the gateway answered
// every scrape with a 200 (14 s CPU captures every 15 s never overlap).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { sampleTypeNames } from '../../src/profile/values.ts';
import { createCertificate } from '../../src/tls/x509.ts';
import { buildAlloy } from '../kit/scrapers/alloy.ts';
import { freePorts } from '../kit/cluster/ports.ts';
import { spawnManaged, type ManagedProcess } from '../kit/cluster/proc.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';
import { startPyroscopeReceiver, type PyroscopeReceiver } from '../kit/scrapers/pyroscope-receiver.ts';
import { REPO } from '../kit/product/sidecar.ts';

const SHIPPED = join(REPO, 'docs/integrations/alloy.alloy');
const INTERVAL_S = 15;
const dir = mkdtempSync(join(tmpdir(), 'podprof-alloy-'));
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
let receiver: PyroscopeReceiver;
let alloy: ManagedProcess;
let startedAt: number;

/** The shipped file with the deployment's addresses replaced by the test's; every other line as shipped. */
function testConfig(gatewayUrl: string, tokenFile: string, pyroscopeUrl: string): string {
  const swaps: [string, string][] = [
    ['https://podprof-gateway.podprof-system.svc:8443', gatewayUrl],
    ['/var/run/secrets/podprof/token', tokenFile],
    ['/etc/podprof/gateway-ca.crt', join(dir, 'ca.crt')],
    ['http://pyroscope.monitoring.svc:4040', pyroscopeUrl],
  ];
  let out = readFileSync(SHIPPED, 'utf8');
  for (const [from, to] of swaps) {
    assert.ok(out.includes(from), `the shipped config has ${from}`);
    out = out.replaceAll(from, to);
  }
  return out;
}

before(async () => {
  const [bin, h, r, [port]] = await Promise.all([
    buildAlloy(),
    startHarness({
      pods: 3,
      profiles: (i) => (i === 2 ? ['heap', 'goroutine'] : undefined),
      gatewayArgs: ['--tls-cert-file', join(dir, 'tls.crt'), '--tls-key-file', join(dir, 'tls.key')],
    }),
    startPyroscopeReceiver(),
    freePorts(1),
  ]);
  harness = h;
  receiver = r;
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, harness.token, { mode: 0o600 });
  writeFileSync(join(dir, 'config.alloy'), testConfig(harness.url, tokenFile, receiver.url));
  startedAt = Date.now();
  alloy = spawnManaged({
    name: 'alloy',
    bin,
    args: [join(dir, 'config.alloy'), `127.0.0.1:${port}`, join(dir, 'data')],
    logFile: join(dir, 'alloy.log'),
  });
});

after(async () => {
  await alloy?.stop();
  await receiver?.close();
  await harness?.close();
});

const WANT: Record<string, string> = { process_cpu: 'cpu', memory: 'inuse_space', goroutine: 'goroutine', block: 'delay', mutex: 'delay' };
const key = (l: Readonly<Record<string, string>>): string => `${l.pod} ${l.__name__}`;

test(
  'Alloy on the shipped config pushes each pod’s allowed types once per interval, with podprof’s labels, each a profile of its type',
  { timeout: 180_000 },
  async () => {
    const expected = [
      ...['web-0', 'web-1'].flatMap((p) => Object.keys(WANT).map((n) => `${p} ${n}`)),
      'web-2 goroutine',
      'web-2 memory',
    ].sort();
    const counts = (): Map<string, number> => {
      const m = new Map<string, number>();
      for (const s of receiver.series) m.set(key(s.labels), (m.get(key(s.labels)) ?? 0) + s.profiles.length);
      return m;
    };
    const deadline = Date.now() + 150_000;
    while (!expected.every((k) => (counts().get(k) ?? 0) >= 2)) {
      if (alloy.exitInfo() !== undefined) assert.fail(`${alloy.exitInfo()}\n${alloy.logTail()}`);
      if (Date.now() > deadline)
        assert.fail(
          `Alloy did not push two intervals of every pod and type: ${JSON.stringify([...counts()])}\n${receiver.rejected.join('\n')}\n${alloy.logTail()}`,
        );
      await new Promise((r) => setTimeout(r, 1000));
    }
    const elapsedIntervals = (Date.now() - startedAt) / 1000 / INTERVAL_S;

    assert.deepEqual([...counts().keys()].sort(), expected, 'every pod and allowed type, and nothing else');
    for (const [k, n] of counts())
      assert.ok(
        n <= Math.ceil(elapsedIntervals) + 1,
        `${k}: ${n} pushes in ${elapsedIntervals.toFixed(1)} intervals — one scrape per interval, not one per configured type`,
      );
    assert.deepEqual(receiver.rejected, []);

    for (const s of receiver.series) {
      assert.equal(s.labels.service_name, 'team-a/web');
      assert.equal(s.labels.namespace, 'team-a');
      assert.equal(s.labels.container, 'app');
      assert.match(s.labels.pod ?? '', /^web-[0-2]$/);
      for (const raw of s.profiles) {
        const p = await decodeProfile(raw, nodeGunzip(), key(s.labels));
        const types = sampleTypeNames(p).map((n) => n.split('/')[0]);
        assert.ok(
          types.includes(WANT[s.labels.__name__!]),
          `${key(s.labels)} is a ${WANT[s.labels.__name__!]} profile (has ${sampleTypeNames(p).join(', ')})`,
        );
      }
    }

    // The gateway answered every scrape; the CPU ones asked for interval − 1 seconds.
    const scrapes = harness.logs
      .flatMap((l) => (JSON.parse(l) as { audit?: { path?: string; status?: number; params?: { seconds?: unknown } } }).audit ?? [])
      .filter((e) => e.path?.includes('/debug/pprof/'));
    assert.deepEqual(
      scrapes.filter((e) => e.status !== 200).map((e) => `${e.path} ${e.status}`),
      [],
    );
    const cpu = scrapes.filter((e) => e.path?.endsWith('/profile'));
    assert.ok(cpu.length >= 4, `${cpu.length} CPU scrapes`);
    for (const e of cpu) assert.equal(String(e.params?.seconds), String(INTERVAL_S - 1));
  },
);
