// Golden files for injection: test/fixtures/pods/<case>.yaml is the pod the API
// server sends, <case>.injected.yaml what it stores after the webhook's patch (or,
// when podprof does not inject, the decision: `skipped` or `denied`). A stale
// golden fails; `UPDATE_GOLDEN=1` rewrites them. Each case is also re-admitted
// after injection (no second patch) and injected twice (same pod).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Document, parse } from 'yaml';
import { readPodOptions, SIDECAR_NAME } from '../../src/annotations.ts';
import type { Container, Pod } from '../../src/k8s/types.ts';
import { inject } from '../../webhook/inject.ts';
import { decideAdmission, type Decision } from '../../webhook/review.ts';
import { injectionProblems, patched, patchOf, requestFor, SETTINGS, sidecarsOf } from '../kit/product/webhook.ts';

const DIR = fileURLToPath(new URL('../fixtures/pods/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const UID = 'b1c2d3e4-0000-4000-8000-0000000000aa';

interface Case {
  expect: Decision['outcome'];
  /** The skip rule, or invalid-annotation for a denial. */
  rule?: string;
  /** The pod came through /mutate/namespace (its namespace is labelled podprof.io/inject=enabled). */
  namespaceOptIn?: boolean;
  requestNamespace?: string;
  /** A denial's message must contain each. */
  mentions?: string[];
  check?: (out: Pod, sidecar: Container, d: Decision) => void;
}

const arg = (c: Container, flag: string): string | undefined => c.args?.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
const ports = (c: Container): number[] => (c.ports ?? []).map((p) => p.containerPort);
const denied = (key: string, value: string, allowed: string): Case => ({
  expect: 'denied',
  rule: 'invalid-annotation',
  mentions: [`${key}="${value}"`, allowed],
});

const CASES: Record<string, Case> = {
  'deployment-pod': {
    expect: 'injected',
    check: (out, sidecar, d) => {
      assert.equal(out.metadata?.name, undefined, 'a generateName pod stays without a name');
      assert.equal(d.pod?.name, 'web-7d9f8c6b5-*');
      assert.equal(out.spec?.initContainers?.[0], sidecar, 'native sidecar by default');
      assert.equal(sidecar.restartPolicy, 'Always');
      assert.equal(out.metadata?.labels?.['podprof.io/injected'], 'true');
    },
  },
  'multi-container': {
    expect: 'injected',
    check: (out) =>
      assert.deepEqual(
        out.spec?.containers.map((c) => c.name),
        ['envoy', 'api', 'log-shipper'],
      ),
  },
  'existing-init-containers': {
    expect: 'injected',
    check: (out, sidecar) => {
      assert.deepEqual(
        out.spec?.initContainers?.map((c) => c.name),
        [SIDECAR_NAME, 'wait-for-db', 'migrate'],
        'the native sidecar goes first',
      );
      assert.deepEqual(ports(sidecar), [8444, 8081], "an init container's 8443 counts as taken");
    },
  },
  'user-names-like-ours': {
    expect: 'injected',
    check: (out) =>
      assert.deepEqual(
        out.spec?.volumes?.map((v) => v.name),
        ['podprof', 'podprof-token'],
        "the user's volume named like ours is kept; ours is added",
      ),
  },
  'user-container-named-podprof-sidecar': { expect: 'skipped', rule: 'already-injected' },
  'app-uses-8443-and-8081': { expect: 'injected', check: (_out, sidecar) => assert.deepEqual(ports(sidecar), [8445, 8082]) },
  'pprof-port-is-8443': {
    expect: 'injected',
    check: (_out, sidecar) => {
      assert.deepEqual(ports(sidecar), [8444, 8081]);
      assert.equal(arg(sidecar, 'upstream'), 'http://127.0.0.1:8443');
    },
  },
  'host-network': { expect: 'skipped', rule: 'host-network' },
  'kube-system': { expect: 'skipped', rule: 'excluded-namespace' },
  'kube-system-from-request': { expect: 'skipped', rule: 'excluded-namespace', requestNamespace: 'kube-system' },
  'webhook-own-namespace': { expect: 'skipped', rule: 'excluded-namespace' },
  'not-opted-in': { expect: 'skipped', rule: 'not-opted-in' },
  'opted-out-in-opted-in-namespace': { expect: 'skipped', rule: 'opted-out', namespaceOptIn: true },
  'opted-in-by-namespace': { expect: 'injected', namespaceOptIn: true },
  'already-injected': { expect: 'skipped', rule: 'already-injected' },
  'already-injected-older-version': { expect: 'skipped', rule: 'already-injected' },
  'guaranteed-qos': {
    expect: 'injected',
    check: (_out, sidecar) => {
      assert.deepEqual(sidecar.resources?.requests, sidecar.resources?.limits, 'Guaranteed: requests = limits');
      assert.deepEqual(sidecar.resources?.limits, { cpu: '100m', memory: '128Mi' });
    },
  },
  'guaranteed-qos-custom-sidecar-resources': {
    expect: 'injected',
    check: (_out, sidecar) => {
      assert.deepEqual(sidecar.resources?.requests, sidecar.resources?.limits, 'Guaranteed: requests = limits');
      assert.equal(sidecar.resources?.requests?.cpu, '50m');
    },
  },
  'job-pod': {
    expect: 'injected',
    check: (out, sidecar) => {
      assert.equal(out.spec?.restartPolicy, 'Never');
      assert.equal(out.spec?.initContainers?.[0], sidecar, 'native sidecar, so the Job completes');
      assert.equal(sidecar.restartPolicy, 'Always');
      assert.deepEqual(
        out.spec?.containers.map((c) => c.name),
        ['report'],
      );
    },
  },
  'generate-name-only': { expect: 'injected', check: (out) => assert.deepEqual(out.metadata?.labels, { 'podprof.io/injected': 'true' }) },
  'empty-namespace': { expect: 'injected', requestNamespace: 'team-c', check: (_out, _s, d) => assert.equal(d.pod?.namespace, 'team-c') },
  'managed-fields': {
    expect: 'injected',
    check: (_out, _s, d) => assert.doesNotMatch(JSON.stringify(patchOf(d)), /managedFields/, 'the patch never mentions managedFields'),
  },
  'bridge-grafana': {
    expect: 'injected',
    check: (_out, sidecar) => {
      assert.equal(arg(sidecar, 'upstream'), 'http://127.0.0.1:6061');
      // profiles.grafana.com/cpu.path is the CPU endpoint (…/profile), so the prefix is what precedes it.
      assert.equal(arg(sidecar, 'path-prefix'), '/debug/pprof', 'profiles.grafana.com/cpu.path names the CPU endpoint, not the prefix');
    },
  },
  'bridge-parca': { expect: 'injected', check: (_out, sidecar) => assert.equal(arg(sidecar, 'upstream'), 'http://127.0.0.1:6062') },
  'bridge-grafana-port-name': {
    expect: 'injected',
    check: (_out, sidecar) =>
      assert.equal(arg(sidecar, 'upstream'), 'http://127.0.0.1:6061', 'port_name pprof resolved to its containerPort'),
  },
  'bridge-parca-port-name': {
    expect: 'injected',
    check: (_out, sidecar) => assert.equal(arg(sidecar, 'upstream'), 'http://127.0.0.1:7070', 'parca.dev/port names a port'),
  },
  'invalid-grafana-port-name': denied(
    'profiles.grafana.com/memory.port_name',
    'pprof',
    "a port number from 1 to 65535, or the name of one of the pod's container ports (http)",
  ),
  'bridge-profefe': {
    expect: 'injected',
    check: (_out, sidecar) => {
      assert.equal(arg(sidecar, 'upstream'), 'http://127.0.0.1:6063');
      assert.equal(arg(sidecar, 'path-prefix'), '/internal/pprof');
    },
  },
  'native-sidecar-false': {
    expect: 'injected',
    check: (out, sidecar) => {
      assert.deepEqual(
        out.spec?.containers.map((c) => c.name),
        ['app', 'helper', SIDECAR_NAME],
        'a regular container, appended',
      );
      assert.deepEqual(
        out.spec?.initContainers?.map((c) => c.name),
        ['setup'],
      );
      assert.equal(sidecar.restartPolicy, undefined);
    },
  },
  'custom-options': {
    expect: 'injected',
    check: (_out, sidecar) => {
      assert.deepEqual(sidecar.args?.slice(2, 6), [
        '--upstream=http://127.0.0.1:7070',
        '--path-prefix=/internal/debug/pprof',
        '--profiles=profile,heap,goroutine',
        '--max-seconds=30',
      ]);
      assert.deepEqual(sidecar.resources, { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    },
  },
  'invalid-port-abc': denied('podprof.io/port', 'abc', 'a port number from 1 to 65535'),
  'invalid-port-0': denied('podprof.io/port', '0', 'a port number from 1 to 65535'),
  'invalid-port-70000': denied('podprof.io/port', '70000', 'a port number from 1 to 65535'),
  'invalid-profile-type': denied('podprof.io/profiles', 'heap,flamegraph', 'a comma-separated list of profile, trace, heap'),
  'invalid-max-seconds-negative': denied('podprof.io/max-seconds', '-5', 'a whole number of seconds from 1 to 3600'),
  'invalid-quantity': denied('podprof.io/sidecar-memory', '64MB', 'a Kubernetes quantity'),
  // Kubernetes' ParseQuantity does not trim: " 100m" would be accepted here and then refused by the API server.
  'invalid-quantity-with-spaces': denied('podprof.io/sidecar-cpu', ' 100m', 'a Kubernetes quantity'),
  'invalid-native-sidecar-maybe': denied('podprof.io/native-sidecar', 'maybe', '"true" or "false"'),
  'invalid-inject-typo': denied('podprof.io/inject', 'True', '"true" or "false"'),
  'invalid-container-name': denied('podprof.io/container', 'worker', "the name of one of the pod's containers (app)"),
  'invalid-grafana-port': denied('profiles.grafana.com/cpu.port', 'pprof', 'a port number from 1 to 65535'),
  'invalid-several': {
    expect: 'denied',
    rule: 'invalid-annotation',
    mentions: [
      'podprof.io/port="65536"',
      'podprof.io/path="/debug/../pprof"',
      'an absolute path like /debug/pprof',
      'podprof.io/max-seconds="99999"',
    ],
  },
};

function readPod(name: string): Pod {
  return parse(readFileSync(join(DIR, `${name}.yaml`), 'utf8')) as Pod;
}

function decideCase(pod: Pod, c: Case, uid = UID): Decision {
  return decideAdmission(
    requestFor(pod, { uid, ...(c.requestNamespace === undefined ? {} : { namespace: c.requestNamespace }) }),
    SETTINGS,
    c.namespaceOptIn ?? false,
  );
}

/** The golden text: the injected pod with the reason on top, or the decision. */
function render(d: Decision, out: Pod | undefined): string {
  const doc =
    out !== undefined
      ? new Document(out)
      : new Document(
          d.outcome === 'denied'
            ? { denied: { code: d.response.status?.code, message: d.response.status?.message } }
            : { skipped: { rule: d.rule, reason: d.reason } },
        );
  if (out !== undefined) doc.commentBefore = ` ${d.outcome}: ${d.reason}`;
  return doc.toString({ lineWidth: 0 });
}

function compareGolden(name: string, text: string): void {
  const file = join(DIR, `${name}.injected.yaml`);
  if (UPDATE) return;
  assert.ok(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 to write it`);
  const golden = readFileSync(file, 'utf8');
  assert.deepEqual(parse(text), parse(golden), `${name}.injected.yaml is stale; review the difference, then UPDATE_GOLDEN=1`);
  assert.equal(text, golden, `${name}.injected.yaml differs in text (comment or layout); UPDATE_GOLDEN=1 rewrites it`);
}

test('every fixture pod has a case and a golden file, and every case a fixture', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
  const inputs = files.filter((f) => !f.endsWith('.injected.yaml')).map((f) => f.slice(0, -'.yaml'.length));
  assert.deepEqual([...inputs].sort(), Object.keys(CASES).sort());
  if (UPDATE) return;
  const goldens = files.filter((f) => f.endsWith('.injected.yaml')).map((f) => f.slice(0, -'.injected.yaml'.length));
  assert.deepEqual([...goldens].sort(), Object.keys(CASES).sort());
});

test('a stale golden fails', { skip: UPDATE }, () => {
  const input = readPod('generate-name-only');
  const d = decideCase(input, CASES['generate-name-only']!);
  const out = patched(input, d);
  compareGolden('generate-name-only', render(d, out));
  out.spec!.initContainers![0]!.image = 'ghcr.io/podprof/podprof-sidecar:0.2.0';
  assert.throws(() => compareGolden('generate-name-only', render(d, out)), /stale/);
});

for (const [name, c] of Object.entries(CASES)) {
  test(`golden: ${name} is ${c.expect}`, () => {
    const input = readPod(name);
    const d = decideCase(input, c);
    assert.equal(d.response.uid, UID, 'the response echoes request.uid');
    const message = d.response.status?.message ?? '';
    const out = d.outcome === 'injected' ? patched(input, d) : undefined;
    const text = render(d, out);
    if (UPDATE) writeFileSync(join(DIR, `${name}.injected.yaml`), text);
    assert.equal(d.outcome, c.expect, `${d.rule}: ${d.reason}`);
    if (c.rule !== undefined) assert.equal(d.rule, c.rule);
    if (d.outcome === 'denied') {
      assert.equal(d.response.allowed, false);
      assert.equal(d.response.status?.code, 400);
      for (const m of c.mentions ?? []) assert.ok(message.includes(m), `the message names ${m}: ${message}`);
    } else {
      assert.equal(d.response.allowed, true);
    }
    if (out === undefined) {
      assert.equal(d.response.patch, undefined, 'no injection, no patch');
      compareGolden(name, text);
      return;
    }
    const patch = patchOf(d) ?? [];
    assert.ok(
      patch.every((op) => !op.path.startsWith('/metadata/managedFields')),
      'the patch leaves managedFields alone',
    );
    const namespace = input.metadata?.namespace || c.requestNamespace || 'default';
    const { options } = readPodOptions(input);
    assert.deepEqual(out, inject(input, options, SETTINGS), 'the patch makes exactly the pod inject() makes');
    assert.deepEqual(injectionProblems(input, out, { appPort: options.port, namespace }), []);
    const [sidecar] = sidecarsOf(out);
    c.check?.(out, sidecar!, d);
    compareGolden(name, text);
  });

  test(`idempotent: ${name}`, () => {
    const input = readPod(name);
    const first = decideCase(input, c);
    const out = patched(input, first);
    const again = decideCase(out, c, 'second-uid');
    assert.equal(again.response.patch, undefined, `a second review patches nothing (${again.rule}: ${again.reason})`);
    assert.equal(again.response.allowed, first.response.allowed);
    if (first.outcome === 'injected') assert.equal(again.rule, 'already-injected');
    const { options } = readPodOptions(input);
    const once = inject(input, options, SETTINGS);
    assert.deepEqual(inject(once, readPodOptions(once).options, SETTINGS), once, 'inject(inject(p)) = inject(p)');
    assert.deepEqual(inject(once, options, SETTINGS), once);
  });
}
