// Prometheus's own http_sd client (github.com/prometheus/prometheus
// discovery/http v0.316.0, built from test/fixtures/httpsd-client into the
// cache) loads docs/integrations/prometheus.yml as shipped — pointed at the
// test's gateway, token file and CA — refreshes against the real gateway and
// produces one group per pod and allowed type, with the labels podprof
// promises; the answer passes its status, content-type and strict decoding
// checks. Without a token it fails the way Prometheus would log it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { buildGo } from '../../demo/go-build.ts';
import { createCertificate } from '../../src/tls/x509.ts';
import { useHarness } from '../kit/product/gateway.ts';
import { REPO } from '../kit/product/sidecar.ts';

const execFileP = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'podprof-httpsd-'));
const ca = createCertificate({ commonName: 'test gateway CA', isCA: true });
const leaf = createCertificate({
  commonName: '127.0.0.1',
  ipAddresses: ['127.0.0.1'],
  issuer: { commonName: 'test gateway CA', key: ca.key },
});
writeFileSync(join(dir, 'ca.crt'), ca.certPem);
writeFileSync(join(dir, 'tls.crt'), leaf.certPem);
writeFileSync(join(dir, 'tls.key'), leaf.keyPem, { mode: 0o600 });
const harness = useHarness({
  pods: 2,
  profiles: (i) => (i === 1 ? ['heap', 'goroutine'] : undefined),
  gatewayArgs: ['--tls-cert-file', join(dir, 'tls.crt'), '--tls-key-file', join(dir, 'tls.key')],
});
let client: string;

before(async () => {
  client = await buildGo(join(REPO, 'test/fixtures/httpsd-client'), 'httpsd-client');
});

/** As Prometheus's targetgroup.Group marshals itself: the addresses, and the group's labels. */
interface Group {
  targets: string[];
  labels: Record<string, string>;
}

async function discover(token: string): Promise<{ groups?: Group[]; error?: string }> {
  const tokenFile = join(dir, `token-${token.length}`);
  writeFileSync(tokenFile, token, { mode: 0o600 });
  try {
    const { stdout } = await execFileP(
      client,
      [
        '-config',
        join(REPO, 'docs/integrations/prometheus.yml'),
        '-url',
        `${harness().url}/sd/targets`,
        '-credentials-file',
        tokenFile,
        '-ca-file',
        join(dir, 'ca.crt'),
      ],
      { timeout: 60_000 },
    );
    return { groups: JSON.parse(stdout) as Group[] };
  } catch (err) {
    return { error: String((err as { stderr?: string }).stderr ?? err) };
  }
}

test("Prometheus's http_sd client takes the gateway's answer: one group per pod and allowed type, with podprof's labels", async () => {
  const { groups, error } = await discover(harness().token);
  assert.equal(error, undefined);
  const seen = groups!.map((g) => `${g.labels.pod} ${g.labels.__name__}`).sort();
  assert.deepEqual(seen, [
    'web-0 block',
    'web-0 goroutine',
    'web-0 memory',
    'web-0 mutex',
    'web-0 process_cpu',
    'web-1 goroutine',
    'web-1 memory',
  ]);
  const g = groups!.find((x) => x.labels.pod === 'web-0' && x.labels.__name__ === 'process_cpu')!;
  assert.deepEqual(g.targets, [new URL(harness().url).host]);
  assert.deepEqual(
    { ...g.labels, __meta_url: undefined },
    {
      __scheme__: 'https',
      __profile_path_prefix__: '/api/v1/namespaces/team-a/pods/web-0',
      __profile_path__: '/debug/pprof/profile',
      __metrics_path__: '/api/v1/namespaces/team-a/pods/web-0/debug/pprof/profile',
      __name__: 'process_cpu',
      __meta_podprof_profile: 'process_cpu',
      service_name: 'team-a/web',
      namespace: 'team-a',
      pod: 'web-0',
      container: 'app',
      node: 'localhost',
      __meta_url: undefined,
      __meta_podprof_workload_kind: 'Deployment',
      __meta_podprof_workload_name: 'web',
      __meta_podprof_pod_label_app: 'web',
      __meta_podprof_pod_labelpresent_app: 'true',
    },
  );
  assert.equal(g.labels.__meta_url, `${harness().url}/sd/targets`, 'the client adds its own __meta_url');
});

test('without a valid token the client reports the 401 as Prometheus logs it', async () => {
  const { error } = await discover('not-a-valid-token-at-all');
  assert.match(error ?? '', /server returned HTTP status 401 Unauthorized/);
});
