// The sidecar's enrollment token: with a gateway URL and a pod that names its
// ServiceAccount, the webhook adds a projected token volume (audience
// podprof-sidecar, bound to the pod), mounts it read-only in the sidecar and
// passes --enroll-url/--enroll-token-file. Without a ServiceAccount name the API
// server would refuse the whole pod ("must not be specified when
// serviceAccountName is not set"), so nothing of it is added; nor without a
// gateway URL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPodOptions, SIDECAR_NAME } from '../../src/annotations.ts';
import { ENROLL_AUDIENCE, TOKEN_DIR, TOKEN_FILE } from '../../src/enrollment.ts';
import type { Pod } from '../../src/k8s/types.ts';
import { inject, TOKEN_VOLUME } from '../../webhook/inject.ts';
import { SETTINGS } from '../kit/product/webhook.ts';

const pod = (serviceAccountName?: string): Pod => ({
  metadata: { name: 'web-0', namespace: 'team-a', annotations: { 'podprof.io/inject': 'true' } },
  spec: {
    ...(serviceAccountName === undefined ? {} : { serviceAccountName }),
    containers: [{ name: 'web', image: 'web:1' }],
    volumes: [{ name: 'data', emptyDir: {} }],
  },
});

const injected = (p: Pod, settings = SETTINGS): Pod => inject(p, readPodOptions(p).options, settings);
const sidecar = (p: Pod): NonNullable<Pod['spec']>['containers'][number] =>
  [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].find((c) => c.name === SIDECAR_NAME)!;

test('a pod with a ServiceAccount gets the projected token volume, mounted read-only, and the enrollment flags', () => {
  const out = injected(pod('web'));
  assert.deepEqual(out.spec?.volumes, [
    { name: 'data', emptyDir: {} },
    {
      name: TOKEN_VOLUME,
      projected: { sources: [{ serviceAccountToken: { audience: ENROLL_AUDIENCE, expirationSeconds: 3600, path: 'token' } }] },
    },
  ]);
  assert.deepEqual(sidecar(out).volumeMounts, [{ name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true }]);
  assert.ok(sidecar(out).args?.includes(`--enroll-url=${SETTINGS.gatewayUrl}/sidecar/v1/certificates`));
  assert.ok(sidecar(out).args?.includes(`--enroll-token-file=${TOKEN_FILE}`));
});

test('without a ServiceAccount name, or without a gateway URL, nothing of enrollment is added', () => {
  for (const out of [injected(pod()), injected(pod('web'), { ...SETTINGS, gatewayUrl: undefined })]) {
    assert.deepEqual(out.spec?.volumes, [{ name: 'data', emptyDir: {} }]);
    assert.equal(sidecar(out).volumeMounts, undefined);
    assert.ok(!(sidecar(out).args ?? []).some((a) => a.startsWith('--enroll')));
  }
});
