// Workload membership (gateway/discovery/ownership.ts): a pod is in a workload's
// fan-out only if its controller's uid is one the workload owns and the
// workload's selector (matchLabels and matchExpressions) selects its labels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notAMember, selects, type Membership } from '../../gateway/discovery/ownership.ts';
import type { Target } from '../../gateway/pods/targets.ts';

const m: Membership = {
  kind: 'Deployment',
  name: 'web',
  selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
  ownerUids: new Set(['rs-1', 'rs-2']),
};
const pod = (labels: Record<string, string>, uid?: string): Target =>
  ({ labels, owner: { kind: 'ReplicaSet', name: 'web-1', uid } }) as unknown as Target;

test('a pod owned by one of the ReplicaSets and selected by the selector is a member', () => {
  assert.equal(notAMember(pod({ app: 'web', tier: 'a' }, 'rs-2'), m), undefined);
});

test('a forged owner uid, a missing owner, or labels the selector refuses make it an outsider', () => {
  assert.match(
    notAMember(pod({ app: 'web', tier: 'a' }, 'rs-9'), m) ?? '',
    /its controller ReplicaSet\/web-1 \(uid rs-9\) is not deployment\/web's/,
  );
  assert.match(notAMember({ labels: { app: 'web', tier: 'a' } } as unknown as Target, m) ?? '', /its controller \(none\)/);
  assert.match(notAMember(pod({ app: 'web', tier: 'c' }, 'rs-1'), m) ?? '', /selector does not select its labels/);
});

test('selector operators: In, NotIn, Exists, DoesNotExist; no selector selects nothing; unknown operators select nothing', () => {
  const l = { a: '1', b: '2' };
  assert.ok(
    selects(
      {
        matchExpressions: [
          { key: 'a', operator: 'In', values: ['1'] },
          { key: 'b', operator: 'NotIn', values: ['3'] },
          { key: 'a', operator: 'Exists' },
          { key: 'c', operator: 'DoesNotExist' },
        ],
      },
      l,
    ),
  );
  assert.ok(!selects({ matchExpressions: [{ key: 'b', operator: 'NotIn', values: ['2'] }] }, l));
  assert.ok(!selects(undefined, l));
  assert.ok(!selects({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['0'] }] }, l));
  assert.ok(selects({}, l), 'an empty selector selects everything, as in Kubernetes');
});
