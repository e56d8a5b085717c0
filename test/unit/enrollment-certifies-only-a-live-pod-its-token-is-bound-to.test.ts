// Sidecar enrollment's pure decision (gateway/identity/enroll.ts): a
// certificate only for the pod the API server bound the token to, with the uid
// the gateway knows, and only while that pod runs or starts: not once it
// finished (phase Succeeded or Failed) or while it is being deleted, when its
// IP may go to the next pod.
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSidecarCa } from '../../gateway/identity/ca.ts';
import { issue, type ReviewedToken } from '../../gateway/identity/enroll.ts';
import type { Target } from '../../gateway/pods/targets.ts';
import type { PodprofError } from '../../src/errors.ts';

const ca = loadSidecarCa({ storeDir: mkdtempSync(join(tmpdir(), 'podprof-enroll-')) });
const publicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const review: ReviewedToken = {
  authenticated: true,
  username: 'system:serviceaccount:shop:web',
  audiences: ['podprof-sidecar'],
  extra: { 'authentication.kubernetes.io/pod-name': ['web-0'], 'authentication.kubernetes.io/pod-uid': ['uid-web-0'] },
};
const claim = { namespace: 'shop', pod: 'web-0', publicKey };
const target = (o: Partial<Target> = {}): Target => ({
  namespace: 'shop',
  name: 'web-0',
  uid: 'uid-web-0',
  ip: '10.1.2.3',
  port: 8443,
  node: 'n',
  path: '/debug/pprof',
  container: 'app',
  profiles: [],
  maxSeconds: 60,
  labels: {},
  podReady: true,
  sidecarReady: false,
  phase: 'Running',
  ...o,
});

test('a running pod, and a starting one, get a certificate for their IP', () => {
  for (const phase of ['Running', 'Pending']) {
    const cert = new X509Certificate(issue(review, claim, target({ phase }), ca, 3_600_000).certificate);
    assert.match(cert.subjectAltName ?? '', /IP Address:10\.1\.2\.3/);
    assert.match(cert.subject, /CN=web-0\.shop\.pod\.podprof/);
  }
});

test('a pod that finished, or is being deleted, gets none', () => {
  for (const [t, why] of [
    [target({ phase: 'Succeeded' }), /is in phase Succeeded; only a running or starting pod gets a certificate/],
    [target({ phase: 'Failed' }), /in phase Failed/],
    [target({ deleting: true }), /is being deleted/],
  ] as const) {
    assert.throws(
      () => issue(review, claim, t, ca, 3_600_000),
      (e: PodprofError) => e.code === 'PODPROF_FORBIDDEN' && why.test(e.message),
    );
  }
});

test('another pod, another uid, or a pod without an IP gets none', () => {
  assert.throws(
    () => issue(review, { ...claim, pod: 'web-1' }, target({ name: 'web-1' }), ca, 3_600_000),
    /bound to pod shop\/web-0, not shop\/web-1/,
  );
  assert.throws(() => issue(review, claim, target({ uid: 'uid-other' }), ca, 3_600_000), /bound to pod uid uid-web-0/);
  assert.throws(
    () => issue(review, claim, target({ ip: '' }), ca, 3_600_000),
    (e: PodprofError) => e.code === 'PODPROF_POD_NOT_READY',
  );
});
