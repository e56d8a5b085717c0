// Captures are authorized with RBAC in API group podprof.io: create/list/get/
// delete on "captures" in the namespace, and get pods/<type> on every pod a
// fan-out asks (a pod the user may not profile is reported, not captured).
// Bad requests are 400s that say what to send.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Access, Authorizer } from '../../gateway/auth/authz.ts';
import type { CaptureMeta } from '../../src/api/types.ts';
import { jsonError, useHarness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';

const harness = useHarness({ pods: 3 });

function api(method: string, path: string, body?: unknown): Promise<Reply> {
  const h = harness();
  return httpsRequest(`${h.url}${path}`, {
    method,
    headers: { ...bearer(h.token), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Allows everything except what `deny` matches; records every question. */
function rbac(deny: (a: Access) => boolean, asked: Access[] = []): Authorizer {
  return (_user, a) => {
    asked.push(a);
    return Promise.resolve(deny(a) ? { allowed: false, reason: 'no RBAC rule' } : { allowed: true });
  };
}

test('each pod of a fan-out is authorized on its own: a pod the user may not profile is reported as refused', async () => {
  const asked: Access[] = [];
  harness().setAuthorizer(rbac((a) => a.resource === 'pods' && a.name === 'web-2', asked));
  try {
    const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', workload: 'deployment/web', type: 'heap' });
    assert.equal(r.status, 201, r.text);
    const meta = JSON.parse(r.text) as CaptureMeta;
    assert.equal(meta.status, 'partial');
    const refused = meta.pods.find((p) => p.pod === 'web-2')!;
    assert.equal(refused.status, 'forbidden');
    assert.match(
      refused.error ?? '',
      /^alice@example\.com may not get pods\/heap web-2 in namespace team-a; a Role needs: apiGroups: \["podprof.io"\], resources: \["pods\/heap"\], verbs: \["get"\]/,
    );
    assert.deepEqual(
      asked.find((a) => a.resource === 'captures'),
      { verb: 'create', resource: 'captures', namespace: 'team-a' },
    );
    assert.deepEqual(
      asked.find((a) => a.verb === 'list'),
      { verb: 'list', resource: 'pods', namespace: 'team-a' },
      'a workload is resolved only for who may list its pods',
    );
    assert.deepEqual(
      asked
        .filter((a) => a.resource === 'pods' && a.verb === 'get')
        .map((a) => `${a.verb} ${a.subresource} ${a.namespace}/${a.name}`)
        .sort(),
      ['get heap team-a/web-0', 'get heap team-a/web-1', 'get heap team-a/web-2'],
    );
  } finally {
    harness().setAuthorizer(undefined);
  }
});

test('without the right to know them, a capture says nothing about which pods, labels or workloads exist', async () => {
  // Only `create captures`: no `list pods`, no `get pods/<type>`.
  harness().setAuthorizer(rbac((a) => a.resource === 'pods'));
  try {
    const answers = await Promise.all(
      [
        { selector: 'app=web' },
        { selector: 'app=no-such-app' },
        { workload: 'deployment/web' },
        { workload: 'deployment/no-such-workload' },
      ].map((target) => api('POST', '/api/v1/captures', { namespace: 'team-a', ...target, type: 'heap' })),
    );
    for (const r of answers) {
      assert.equal(r.status, 403, r.text);
      assert.equal(
        jsonError(r).message,
        'alice@example.com may not list pods in namespace team-a; a Role needs: apiGroups: ["podprof.io"], resources: ["pods"], verbs: ["list"]',
      );
    }
    const [real, none] = await Promise.all(
      ['web-0', 'web-9'].map((pod) => api('POST', '/api/v1/captures', { namespace: 'team-a', pod, type: 'heap' })),
    );
    assert.equal(real!.status, 403);
    assert.equal(none!.status, 403, 'a pod that does not exist is not a 404 to someone who may not profile it');
    assert.equal(jsonError(real!).message.replace('web-0', 'POD'), jsonError(none!).message.replace('web-9', 'POD'));
  } finally {
    harness().setAuthorizer(undefined);
  }
});

test('a capture of pods the user may profile none of is a 403 naming the rule, and nothing is stored', async () => {
  const before = (JSON.parse((await api('GET', '/api/v1/captures')).text) as { items: unknown[] }).items.length;
  harness().setAuthorizer(rbac((a) => a.resource === 'pods' && a.verb === 'get'));
  try {
    const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', selector: 'app=web', type: 'profile', seconds: 1 });
    assert.equal(r.status, 403);
    assert.match(
      jsonError(r).message,
      /^none of the 3 pods of team-a -l app=web can be captured; web-0: alice@example\.com may not get pods\/profile web-0/,
    );
    harness().setAuthorizer(rbac((a) => a.resource === 'captures' && a.verb === 'create'));
    const c = await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-0', type: 'heap' });
    assert.equal(c.status, 403);
    assert.match(jsonError(c).message, /may not create captures in namespace team-a/);
  } finally {
    harness().setAuthorizer(undefined);
  }
  assert.equal((JSON.parse((await api('GET', '/api/v1/captures')).text) as { items: unknown[] }).items.length, before);
});

test('list, get, download and delete each ask RBAC on captures in the capture namespace', async () => {
  const meta = JSON.parse(
    (await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-0', type: 'goroutine' })).text,
  ) as CaptureMeta;
  const asked: Access[] = [];
  harness().setAuthorizer(rbac((a) => a.resource === 'captures', asked));
  try {
    assert.equal((await api('GET', '/api/v1/captures')).text, '{"items":[]}', 'captures in namespaces the user may not list are hidden');
    assert.equal((await api('GET', '/api/v1/captures?namespace=team-a')).status, 403);
    assert.equal((await api('GET', `/api/v1/captures/${meta.id}`)).status, 403);
    assert.equal((await api('GET', `/api/v1/captures/${meta.id}/profile.pb.gz`)).status, 403);
    const del = await api('DELETE', `/api/v1/captures/${meta.id}`);
    assert.equal(del.status, 403);
    assert.match(jsonError(del).message, new RegExp(`may not delete captures ${meta.id} in namespace team-a`));
    assert.deepEqual([...new Set(asked.map((a) => `${a.verb} ${a.resource} ${a.namespace}`))].sort(), [
      'delete captures team-a',
      'get captures team-a',
      'list captures team-a',
    ]);
  } finally {
    harness().setAuthorizer(undefined);
  }
  assert.equal((await api('DELETE', `/api/v1/captures/${meta.id}`)).status, 204);
  assert.equal((await api('GET', `/api/v1/captures/${meta.id}`)).status, 404);
  assert.equal(jsonError(await api('DELETE', `/api/v1/captures/${meta.id}`)).code, 'PODPROF_CAPTURE_NOT_FOUND');
});

test('malformed capture requests are 400s that say what to send', async () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ pod: 'web-0', type: 'heap' }, /namespace: required/],
    [
      { namespace: 'team-a', pod: 'web-0', selector: 'app=web', type: 'heap' },
      /exactly one of pod, selector or workload \(got pod and selector\)/,
    ],
    [{ namespace: 'team-a', pod: 'web-0', type: 'cmdline' }, /type: want one of profile, heap/],
    [{ namespace: 'team-a', pod: 'web-0', type: 'profile', seconds: 0 }, /seconds: want a whole number from 1 up to 3600/],
    [{ namespace: 'team-a', workload: 'job/x', type: 'heap' }, /workload: want "deployment\/NAME"/],
    [{ namespace: 'team-a', selector: 'app in (a,b)', type: 'heap' }, /selector: unsupported label selector term/],
    [{ namespace: 'team-a', pod: 'web-0', type: 'heap', extra: 1 }, /unknown field "extra"/],
  ];
  for (const [body, message] of cases) {
    const r = await api('POST', '/api/v1/captures', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(jsonError(r).message, message);
  }
  assert.equal((await api('GET', '/api/v1/captures/..%2F..%2Fetc')).status, 404);
});

test('a single-pod trace is stored as trace.out and downloads as one', async () => {
  const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-1', type: 'trace', seconds: 1 });
  const meta = JSON.parse(r.text) as CaptureMeta;
  assert.equal(meta.status, 'done', r.text);
  assert.equal(meta.file, 'trace.out');
  const trace = await api('GET', `/api/v1/captures/${meta.id}/trace.out`);
  assert.equal(trace.status, 200);
  assert.match(trace.body.subarray(0, 16).toString('latin1'), /^go 1\.\d+ trace/);
  const asProfile = await api('GET', `/api/v1/captures/${meta.id}/profile.pb.gz`);
  assert.equal(asProfile.status, 404);
  assert.match(jsonError(asProfile).message, /it is a trace: download trace\.out/);
  assert.deepEqual(meta.derived, ['trace-net.pb.gz', 'trace-sync.pb.gz', 'trace-syscall.pb.gz', 'trace-sched.pb.gz', 'goroutines.json']);
});

test('a stored capture obeys per-type RBAC: without get pods/profile a CPU capture is not listed, read, downloaded (merged or per pod) or deleted', async () => {
  const made = await api('POST', '/api/v1/captures', { namespace: 'team-a', workload: 'deployment/web', type: 'profile', seconds: 1 });
  assert.equal(made.status, 201, made.text);
  const cpu = JSON.parse(made.text) as CaptureMeta;
  const heap = JSON.parse((await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-0', type: 'heap' })).text) as CaptureMeta;
  const asked: Access[] = [];
  harness().setAuthorizer(rbac((a) => a.resource === 'pods' && a.subresource === 'profile' && a.name === 'web-1', asked));
  try {
    const listed = (JSON.parse((await api('GET', '/api/v1/captures')).text) as { items: CaptureMeta[] }).items.map((m) => m.id);
    assert.ok(listed.includes(heap.id) && !listed.includes(cpu.id), 'a capture with one pod the user may not profile is not listed');
    for (const path of [
      `/api/v1/captures/${cpu.id}`,
      `/api/v1/captures/${cpu.id}/profile.pb.gz`,
      `/api/v1/captures/${cpu.id}/pods/web-0.pb.gz`,
    ]) {
      const r = await api('GET', path);
      assert.equal(r.status, 403, `${path}: ${r.text}`);
      assert.match(jsonError(r).message, /^alice@example\.com may not get pods\/profile web-1 in namespace team-a/);
    }
    const del = await api('DELETE', `/api/v1/captures/${cpu.id}`);
    assert.equal(del.status, 403, del.text);
    assert.ok(
      asked.some((a) => a.resource === 'captures' && a.verb === 'delete'),
      'delete asked the captures verb too',
    );
  } finally {
    harness().setAuthorizer(undefined);
  }
  assert.equal((await api('GET', `/api/v1/captures/${cpu.id}`)).status, 200, 'the capture is still there for those who may read it');
});

test('a capture made while one pod was refused stays readable by its maker: the refused pod holds no data', async () => {
  harness().setAuthorizer(rbac((a) => a.resource === 'pods' && a.name === 'web-2'));
  try {
    const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', workload: 'deployment/web', type: 'goroutine' });
    const meta = JSON.parse(r.text) as CaptureMeta;
    assert.equal(meta.status, 'partial');
    assert.equal((await api('GET', `/api/v1/captures/${meta.id}`)).status, 200);
    assert.equal((await api('GET', `/api/v1/captures/${meta.id}/profile.pb.gz`)).status, 200);
  } finally {
    harness().setAuthorizer(undefined);
  }
});
