// The gateway's pure parts: a pod becomes a target, selectors, http_sd groups,
// key rotation and the fixed sets metrics labels come from (session cookies and
// one-time links: test/unit/sessions-and-one-time-links-in-a-shared-store-keep-their-bounds-and-work-once.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPodOptions } from '../../src/annotations.ts';
import type { Pod } from '../../src/k8s/types.ts';
import { generateSigningKey, parseJwks } from '../../src/token/keys.ts';
import { verifySidecarToken } from '../../src/token/verify.ts';
import { inject } from '../../webhook/inject.ts';
import { missingRule } from '../../gateway/auth/authz.ts';
import { parseSelector, TargetRegistry } from '../../gateway/discovery/registry.ts';
import { Keyring } from '../../gateway/pods/keyring.ts';
import { AnswerCache, parseTypes, sdGroups } from '../../gateway/discovery/http-sd.ts';
import { statusLabel } from '../../gateway/metrics.ts';
import { missedInjection, notRoutableBecause, routable, targetOf, type Target } from '../../gateway/pods/targets.ts';

const settings = { sidecarImage: 'img', nativeSidecars: true, namespace: 'podprof-system', version: '0.1.0', jwks: '{"keys":[]}' };

function runningInjectedPod(name: string, extra: Partial<Pod['metadata']> = {}): Pod {
  const pod: Pod = {
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      labels: { app: 'web', 'pod-template-hash': '7d9f' },
      annotations: { 'podprof.io/inject': 'true', 'podprof.io/port': '6061' },
      ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d9f', controller: true }],
      ...extra,
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'x', ports: [{ containerPort: 8443 }] }] },
  };
  const injected = inject(pod, readPodOptions(pod).options, settings);
  injected.status = {
    phase: 'Running',
    podIP: '10.1.2.3',
    conditions: [{ type: 'Ready', status: 'True' }],
    initContainerStatuses: [{ name: 'podprof-sidecar', ready: true }],
    containerStatuses: [{ name: 'app', ready: true }],
  };
  return injected;
}

test('an injected running pod becomes a routable target with its sidecar port, workload and settings', () => {
  const t = targetOf(runningInjectedPod('web-7d9f-abcde'))!;
  assert.equal(t.port, 8444, 'the app uses 8443, so the sidecar moved');
  assert.deepEqual(t.workload, { kind: 'Deployment', name: 'web' });
  assert.equal(t.ip, '10.1.2.3');
  assert.equal(t.container, 'app');
  assert.ok(routable(t));
  assert.ok(!('podprof.io/injected' in t.labels));
});

test('a pod without the sidecar is no target; an annotated one without it is a missed injection', () => {
  const plain: Pod = {
    metadata: { name: 'p', namespace: 'shop', annotations: { 'podprof.io/inject': 'true' } },
    spec: { containers: [{ name: 'app' }] },
  };
  assert.equal(targetOf(plain), undefined);
  assert.ok(missedInjection(plain));
  const notReady = runningInjectedPod('web-2');
  (notReady.status as { initContainerStatuses: Array<{ ready: boolean }> }).initContainerStatuses[0]!.ready = false;
  assert.ok(!routable(targetOf(notReady)!));
});

test('a pod with a hand-written sidecar and label but no webhook status, or on the host network, is no target', () => {
  const good = runningInjectedPod('web-3');
  assert.ok(targetOf(good));
  const forged = structuredClone(good);
  delete forged.metadata!.annotations!['podprof.io/status'];
  assert.equal(targetOf(forged), undefined);
  assert.equal(notRoutableBecause(forged), 'no podprof.io/status annotation from the webhook');
  const garbled = structuredClone(good);
  garbled.metadata!.annotations!['podprof.io/status'] = 'injected';
  assert.equal(targetOf(garbled), undefined);
  const host = structuredClone(good);
  host.spec!.hostNetwork = true;
  assert.equal(targetOf(host), undefined);
  assert.match(notRoutableBecause(host) ?? '', /^hostNetwork/);
});

test('label selectors: equality, inequality, existence; set-based ones are refused', () => {
  assert.ok(parseSelector('app=web,tier!=cache')({ app: 'web' }));
  assert.ok(!parseSelector('app=web,tier!=cache')({ app: 'web', tier: 'cache' }));
  assert.ok(parseSelector('app')({ app: 'x' }) && parseSelector('!canary')({ app: 'x' }));
  assert.throws(() => parseSelector('app in (web)'), /unsupported label selector/);
  const r = new TargetRegistry();
  for (const n of ['web-1', 'web-2']) r.upsert(targetOf(runningInjectedPod(n))!);
  r.upsert({ ...targetOf(runningInjectedPod('db-1'))!, labels: { app: 'db' }, workload: { kind: 'StatefulSet', name: 'db' } });
  assert.deepEqual(
    r.list({ selector: 'app=web' }).map((t) => t.name),
    ['web-1', 'web-2'],
  );
  assert.deepEqual(
    r.list({ workload: { kind: 'statefulset', name: 'db' } }).map((t) => t.name),
    ['db-1'],
  );
});

test('http_sd: one group per routable pod and scrapable type, with the labels scrapers need', () => {
  const t = targetOf(runningInjectedPod('web-1'))!;
  const down: Target = { ...t, name: 'web-down', podReady: false };
  const groups = sdGroups([t, down], ['profile', 'heap', 'goroutine'], 'podprof.example:443');
  assert.equal(groups.length, 3);
  assert.deepEqual(groups[0], {
    targets: ['podprof.example:443'],
    labels: {
      __scheme__: 'https',
      __profile_path_prefix__: '/api/v1/namespaces/shop/pods/web-1',
      __profile_path__: '/debug/pprof/profile',
      __metrics_path__: '/api/v1/namespaces/shop/pods/web-1/debug/pprof/profile',
      __name__: 'process_cpu',
      __meta_podprof_profile: 'process_cpu',
      service_name: 'shop/web',
      namespace: 'shop',
      pod: 'web-1',
      container: 'app',
      node: 'node-1',
      __meta_podprof_workload_kind: 'Deployment',
      __meta_podprof_workload_name: 'web',
      __meta_podprof_pod_label_app: 'web',
      __meta_podprof_pod_labelpresent_app: 'true',
      __meta_podprof_pod_label_pod_template_hash: '7d9f',
      __meta_podprof_pod_labelpresent_pod_template_hash: 'true',
    },
  });
  assert.deepEqual(
    groups.map((g) => g.labels.__name__),
    ['process_cpu', 'memory', 'goroutine'],
  );
});

test('http_sd types are taken once each, in the catalog order; the answer cache is bounded by bytes', () => {
  assert.deepEqual(parseTypes(Array.from({ length: 3000 }, () => 'heap').join(',')), ['heap']);
  assert.deepEqual(parseTypes('mutex,heap,profile,heap'), ['profile', 'heap', 'mutex']);
  assert.throws(() => parseTypes('heap,cmdline'), /cmdline cannot be scraped/);
  const cache = new AnswerCache(1000);
  const e = (n: number): { version: number; json: Buffer; gzip: Buffer } => ({ version: 1, json: Buffer.alloc(n), gzip: Buffer.alloc(0) });
  cache.set('a', e(400));
  cache.set('b', e(400));
  cache.get('a');
  cache.set('c', e(400));
  assert.deepEqual(
    [cache.get('a') !== undefined, cache.get('b') !== undefined, cache.get('c') !== undefined],
    [true, false, true],
    'the least recently used went',
  );
  cache.set('huge', e(5000));
  assert.equal(cache.get('huge'), undefined, 'an answer larger than the cache is served, never kept');
  assert.ok(cache.size.bytes <= 1000);
});

test('metrics labels come from fixed sets whatever a caller or an app sends', () => {
  assert.deepEqual([200, 401, 404, 429, 502, 299, 599, 999, 123].map(statusLabel), [
    '200',
    '401',
    '404',
    '429',
    '502',
    '2xx',
    '5xx',
    '9xx',
    '1xx',
  ]);
});

test('key rotation: the first key signs, every key is published, and tokens bind pod, uid, type and seconds', () => {
  const [next, prev] = [generateSigningKey(), generateSigningKey()];
  const ring = new Keyring([next, prev]);
  const jwks = parseJwks(JSON.stringify(ring.jwks()));
  assert.deepEqual([...jwks.keys()], [next.kid, prev.kid]);
  const t = targetOf(runningInjectedPod('web-1'))!;
  const result = verifySidecarToken(ring.mint('alice', t, 'profile', 30), jwks, { issuer: 'podprof-gateway', audience: 'podprof-sidecar' });
  assert.ok(result.ok);
  assert.deepEqual(result.claims.podprof, { namespace: 'shop', pod: 'web-1', uid: 'uid-web-1', type: 'profile', maxSeconds: 30 });
  assert.ok(result.claims.exp - result.claims.iat <= 60);
});

test('a 403 names the RBAC rule the user lacks', () => {
  assert.equal(
    missingRule(
      { name: 'bob', groups: [], via: 'token' },
      { verb: 'get', resource: 'pods', subresource: 'profile', namespace: 'shop', name: 'web-1' },
    ),
    'bob may not get pods/profile web-1 in namespace shop; a Role needs: apiGroups: ["podprof.io"], resources: ["pods/profile"], verbs: ["get"]',
  );
});
