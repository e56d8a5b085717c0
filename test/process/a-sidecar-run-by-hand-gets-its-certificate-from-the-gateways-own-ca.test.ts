// podprof's own sidecar CA, end to end without an API server: `podprof keys
// sidecar-cert` signs a sidecar's certificate with the CA in the gateway's
// --store-dir (making it), and a gateway on that store — with no
// --sidecar-ca-file — trusts exactly that sidecar: it serves its profile, while
// a sidecar with its self-signed certificate gets no token.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseFlags } from '../../src/config/flags.ts';
import { createLogger } from '../../src/log.ts';
import { GATEWAY_FLAGS } from '../../gateway/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { makeKeys, NODE, REPO, startInProcess, type TestSidecar } from '../kit/product/sidecar.ts';

const dir = mkdtempSync(join(tmpdir(), 'podprof-own-ca-'));
const store = join(dir, 'store');
const certs = join(dir, 'certs');
const keys = makeKeys();
const token = `own-ca-${randomBytes(18).toString('base64url')}`;
let app: GoTarget;
const sidecars: TestSidecar[] = [];
let gw: RunningGateway;
let signed: ReturnType<typeof spawnSync>;

before(async () => {
  signed = spawnSync(
    NODE,
    [
      join(REPO, 'bin/podprof.mjs'),
      'keys',
      'sidecar-cert',
      '--store-dir',
      store,
      '--namespace',
      'team-a',
      '--pod',
      'web-0',
      '--ip',
      '127.0.0.1',
      '--out-dir',
      certs,
    ],
    { encoding: 'utf8' },
  );
  app = await startGoTarget({ listen: '127.0.0.1:0' });
  const pods = [
    { name: 'web-0', tls: ['--tls-cert-file', join(certs, 'tls.crt'), '--tls-key-file', join(certs, 'tls.key')] },
    { name: 'web-1', tls: [] },
  ];
  const targets = [];
  for (const p of pods) {
    const uid = randomUUID();
    const s = await startInProcess(keys, app.url, ['--pod-namespace', 'team-a', '--pod-name', p.name, '--pod-uid', uid, ...p.tls]);
    sidecars.push(s);
    targets.push({ namespace: 'team-a', name: p.name, uid, ip: '127.0.0.1', port: s.port, container: 'app', labels: { app: 'web' } });
  }
  writeFileSync(join(dir, 'targets.json'), JSON.stringify(targets));
  writeFileSync(join(dir, 'tokens.csv'), `${token},alice,devs\n`, { mode: 0o600 });
  gw = await startGateway(
    parseFlags(
      GATEWAY_FLAGS,
      [
        '--listen',
        '127.0.0.1:0',
        '--health-listen',
        '127.0.0.1:0',
        '--auth',
        'static',
        '--tokens-file',
        join(dir, 'tokens.csv'),
        '--authz',
        'allow-all',
        '--discovery',
        'static',
        '--targets-file',
        join(dir, 'targets.json'),
        '--signing-key-file',
        keys.keyFile,
        '--store-dir',
        store,
      ],
      {},
    ),
    createLogger('gw', { level: 'silent' }),
  );
});
after(async () => {
  await gw?.close();
  for (const s of sidecars) await s.close(500);
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(keys.dir, { recursive: true, force: true });
});

test('keys sidecar-cert makes the CA in the store and signs a certificate for the pod and IP', () => {
  assert.equal(signed.status, 0, String(signed.stderr));
  assert.ok(existsSync(join(store, '.sidecar-ca', 'ca.crt')) && statSync(join(store, '.sidecar-ca', 'ca.key')).mode & 0o600);
  assert.equal(statSync(join(certs, 'tls.key')).mode & 0o777, 0o600);
  const cert = new X509Certificate(readFileSync(join(certs, 'tls.crt')));
  assert.equal(cert.subjectAltName, 'IP Address:127.0.0.1');
  assert.equal(cert.subject, 'CN=web-0.team-a.pod.podprof');
  assert.ok(cert.verify(new X509Certificate(readFileSync(join(certs, 'ca.crt'))).publicKey));
});

test('a gateway with no --sidecar-ca-file trusts its own CA: the signed sidecar serves, the self-signed one gets no token', async () => {
  const heap = (pod: string): ReturnType<typeof httpsRequest> =>
    httpsRequest(`https://127.0.0.1:${gw.ports.main}/api/v1/namespaces/team-a/pods/${pod}/debug/pprof/heap`, { headers: bearer(token) });
  const ok = await heap('web-0');
  assert.equal(ok.status, 200, ok.text);
  const refused = await heap('web-1');
  assert.equal(refused.status, 502);
  assert.match(refused.text, /^PODPROF_SIDECAR_UNVERIFIED: /);
});
