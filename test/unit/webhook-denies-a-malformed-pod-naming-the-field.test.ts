// A review whose envelope is fine but whose pod has wrong JSON types is answered
// as a denial naming the field (the API server shows it), not thrown as a 400;
// only an envelope without a uid to answer is a ReviewError. `podprof explain`
// runs the same decision.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../src/k8s/types.ts';
import { explainPod } from '../../webhook/explain.ts';
import { decideAdmission, readReview, ReviewError } from '../../webhook/review.ts';
import { requestFor, SETTINGS } from '../kit/product/webhook.ts';

const opted = { namespace: 'team-a', annotations: { 'podprof.io/inject': 'true' } };
const envelope = (object: unknown, uid: unknown): unknown => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { ...requestFor({}), uid, object },
});

for (const [name, object, field] of [
  ['spec.containers null', { metadata: opted, spec: { containers: null } }, 'spec.containers: want a list'],
  ['spec.containers a string', { metadata: opted, spec: { containers: 'x' } }, 'spec.containers: want a list'],
  ['a container a number', { metadata: opted, spec: { containers: [42] } }, 'spec.containers[0]: want an object'],
  ['no containers', { metadata: opted, spec: { containers: [] } }, 'spec.containers: want at least one container'],
  [
    'metadata.annotations a string',
    { metadata: { annotations: 'podprof.io/inject=true' }, spec: { containers: [{ name: 'app' }] } },
    'metadata.annotations: want a map of strings',
  ],
] as const) {
  test(`a pod with ${name} is denied with "${field}"`, () => {
    const req = readReview(envelope(object, 'u1'));
    const d = decideAdmission(req, SETTINGS, false);
    assert.equal(d.outcome, 'denied');
    assert.equal(d.rule, 'malformed-pod');
    assert.deepEqual(d.response, {
      uid: 'u1',
      allowed: false,
      status: { code: 400, reason: 'BadRequest', message: `podprof: malformed pod: ${field}` },
    });
  });
}

test('a malformed pod is logged under the request’s namespace and name, never its own bad fields', () => {
  const d = decideAdmission(
    { ...requestFor({}), uid: 'u2', namespace: 'team-a', name: 'web', object: { metadata: { namespace: 7, name: 'pod-7' } } },
    SETTINGS,
    false,
  );
  assert.equal(d.reason, 'podprof: malformed pod: metadata.namespace: want a string');
  assert.deepEqual(d.pod, { namespace: 'team-a', name: 'web', dryRun: false });
});

test('an envelope with no uid to answer is still a ReviewError, whatever the pod', () => {
  for (const uid of [undefined, '', 42]) assert.throws(() => readReview(envelope({ spec: { containers: null } }, uid)), ReviewError);
});

test('podprof explain denies a malformed pod with the same message', () => {
  const e = explainPod('Pod team-a/web', { metadata: opted, spec: { containers: null } } as unknown as Pod, SETTINGS, false);
  assert.equal(e.verdict, 'deny');
  assert.equal(e.reason, 'podprof: malformed pod: spec.containers: want a list');
});
