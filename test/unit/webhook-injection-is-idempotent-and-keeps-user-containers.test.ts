// Properties of injection over generated pods (fast-check): whatever the pod,
// the webhook's patch applies cleanly, keeps everything of the user's in order,
// adds exactly one sidecar on free ports that passes Pod Security `restricted`
// and starts with the config it was given, and a second pass changes nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { A, readPodOptions, SIDECAR_NAME } from '../../src/annotations.ts';
import type { Container, Pod } from '../../src/k8s/types.ts';
import { inject } from '../../webhook/inject.ts';
import { applyPatch } from '../../webhook/patch.ts';
import { decideAdmission, type Decision } from '../../webhook/review.ts';
import type { InjectSettings } from '../../webhook/settings.ts';
import { injectionProblems, patchOf, requestFor, SETTINGS, sidecarsOf } from '../kit/product/webhook.ts';

const NUM_RUNS = 300;

const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
/** Ports near the sidecar's defaults and the app's, so collisions are common. */
const port = fc.oneof(
  fc.integer({ min: 8440, max: 8448 }),
  fc.integer({ min: 8079, max: 8084 }),
  fc.constantFrom(6060, 7070, 9090),
  fc.integer({ min: 1, max: 65535 }),
);
const portName = fc.constantFrom('http', 'https', 'metrics', 'grpc', 'podprof', 'podprof-health', 'debug');
const envVar = fc.record({ name: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/), value: fc.string({ maxLength: 12 }) });
const quantityPair = fc.constantFrom(['1', '1000m'], ['500m', '0.5'], ['250m', '250m'], ['2', '2']);
const memoryPair = fc.constantFrom(['1Gi', '1024Mi'], ['256Mi', '256Mi'], ['128Mi', '134217728']);

function containerArb(name: string, guaranteed: boolean): fc.Arbitrary<Container> {
  return fc
    .record({
      image: fc.constantFrom('registry.example.com/app:1.0.0', 'busybox:1.36', 'envoyproxy/envoy:v1.31.0'),
      ports: fc.uniqueArray(fc.record({ name: fc.option(portName, { nil: undefined }), containerPort: port }), {
        maxLength: 3,
        selector: (p) => p.containerPort,
      }),
      env: fc.uniqueArray(envVar, { maxLength: 3, selector: (e) => e.name }),
      cpu: quantityPair,
      memory: memoryPair,
      limitsOnly: fc.boolean(),
    })
    .map(({ image, ports, env, cpu, memory, limitsOnly }) => {
      // Port names are unique within a container.
      const seen = new Set<string>();
      const named = ports.map((p) => {
        if (p.name === undefined || seen.has(p.name)) return { containerPort: p.containerPort };
        seen.add(p.name);
        return { name: p.name, containerPort: p.containerPort };
      });
      const c: Container = { name, image };
      if (named.length > 0) c.ports = named;
      if (env.length > 0) c.env = env;
      if (guaranteed)
        c.resources = limitsOnly
          ? { limits: { cpu: cpu[0], memory: memory[0] } }
          : { requests: { cpu: cpu[0], memory: memory[0] }, limits: { cpu: cpu[1], memory: memory[1] } };
      return c;
    });
}

/** Mostly a valid value, now and then an invalid one (each present half the time). */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: valid, weight: 15 }, { arbitrary: invalid, weight: 1 });

/** podprof's own annotations and the bridge ones: mostly valid, sometimes not, sometimes absent. */
const podprofAnnotations = (containerNames: readonly string[]): fc.Arbitrary<Record<string, string>> =>
  fc.record(
    {
      [A.port]: mostly(port.map(String), fc.constantFrom('0', 'abc', '70000')),
      // "/" is left out: its mismatch with the sidecar is its own test (webhook-injects-a-sidecar-that-accepts-its-own-config).
      [A.path]: mostly(
        fc.constantFrom('/debug/pprof', '/debug/pprof/', '/internal/pprof', '/x'),
        fc.constantFrom('relative', '/a//b', '/a/../b'),
      ),
      [A.container]: mostly(fc.constantFrom(...containerNames), fc.constant('nope')),
      [A.profiles]: mostly(fc.constantFrom('heap', 'profile, heap,goroutine', 'cmdline,symbol'), fc.constantFrom('heap,bogus', '')),
      [A.maxSeconds]: mostly(fc.constantFrom('1', '30', '3600'), fc.constantFrom('0', '-5', '3601')),
      [A.sidecarCpu]: mostly(fc.constantFrom('50m', '0.25', '1'), fc.constant('lots')),
      [A.sidecarMemory]: mostly(fc.constantFrom('64Mi', '1Gi', '100M'), fc.constant('64MB')),
      [A.nativeSidecar]: mostly(fc.constantFrom('true', 'false'), fc.constant('maybe')),
      'profiles.grafana.com/memory.port': port.map(String),
      'parca.dev/port': port.map(String),
      'profefe.com/port': port.map(String),
    },
    { requiredKeys: [] },
  );

/** Keys with '/' (JSON-pointer escaping) and values of any text. */
const userMap = fc.dictionary(fc.stringMatching(/^([a-z]{1,6}\.(io|com)\/)?[a-z][a-z0-9._-]{0,10}$/), fc.string({ maxLength: 16 }), {
  maxKeys: 4,
});

interface Generated {
  pod: Pod;
  namespaceOptIn: boolean;
  requestNamespace: string;
  settings: InjectSettings;
}

const generated: fc.Arbitrary<Generated> = fc
  .record({
    names: fc.uniqueArray(dnsLabel, { minLength: 1, maxLength: 6 }),
    initCount: fc.nat({ max: 2 }),
    guaranteed: fc.boolean(),
    hostNetwork: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    namespace: fc.constantFrom('team-a', 'team-a', 'team-a', 'default', 'kube-system', 'podprof-system', ''),
    requestNamespace: fc.constantFrom('team-a', 'team-a', 'team-a', 'kube-system'),
    inject: fc.constantFrom('true', 'true', 'true', 'true', 'false', undefined),
    named: fc.boolean(),
    namespaceOptIn: fc.boolean(),
    nativeSidecars: fc.boolean(),
    labels: userMap,
    annotations: userMap,
    volumes: fc.uniqueArray(fc.oneof(dnsLabel, fc.constant('podprof')), { maxLength: 3 }),
    restartPolicy: fc.constantFrom(undefined, 'Always', 'Never', 'OnFailure'),
  })
  .chain((g) => {
    const initNames = g.names.slice(0, Math.min(g.initCount, g.names.length - 1));
    const appNames = g.names.slice(initNames.length);
    return fc
      .record({
        init: fc.tuple(...initNames.map((n) => containerArb(n, g.guaranteed))),
        apps: fc.tuple(...appNames.map((n) => containerArb(n, g.guaranteed))),
        podprof: podprofAnnotations(appNames),
      })
      .map(({ init, apps, podprof }): Generated => {
        const metadata: NonNullable<Pod['metadata']> = { namespace: g.namespace };
        if (g.named) metadata.name = 'pod-0';
        else metadata.generateName = 'pod-';
        if (Object.keys(g.labels).length > 0) metadata.labels = g.labels;
        const annotations = { ...g.annotations, ...podprof, ...(g.inject === undefined ? {} : { [A.inject]: g.inject }) };
        if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
        const spec: NonNullable<Pod['spec']> = { containers: apps };
        if (init.length > 0) spec.initContainers = init;
        if (g.volumes.length > 0) spec.volumes = g.volumes.map((name) => ({ name, emptyDir: {} }));
        if (g.hostNetwork) spec.hostNetwork = true;
        if (g.restartPolicy !== undefined) spec.restartPolicy = g.restartPolicy;
        // Through JSON, as the API server sends it.
        const pod = JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata, spec })) as Pod;
        return {
          pod,
          namespaceOptIn: g.namespaceOptIn,
          requestNamespace: g.requestNamespace,
          settings: { ...SETTINGS, nativeSidecars: g.nativeSidecars },
        };
      });
  });

const outcomes: Record<Decision['outcome'], number> = { injected: 0, skipped: 0, denied: 0 };

function check({ pod, namespaceOptIn, requestNamespace, settings }: Generated): void {
  const input = structuredClone(pod);
  const d = decideAdmission(requestFor(pod, { namespace: requestNamespace }), settings, namespaceOptIn);
  outcomes[d.outcome]++;
  assert.deepEqual(pod, input, 'decideAdmission() does not modify the pod it is given');
  const { options } = readPodOptions(pod);
  const once = inject(pod, options, settings);
  assert.deepEqual(inject(once, options, settings), once, 'inject(inject(p)) = inject(p)');
  assert.equal(sidecarsOf(once).length, 1, `inject() yields exactly one ${SIDECAR_NAME}`);
  if (d.outcome !== 'injected') {
    assert.equal(d.response.patch, undefined);
    assert.equal(d.response.allowed, d.outcome !== 'denied');
    return;
  }
  const patch = patchOf(d)!;
  const out = applyPatch(pod, patch); // validates every operation against the input
  assert.deepEqual(out, once, 'the patch makes exactly the pod inject() makes');
  const namespace = pod.metadata?.namespace || requestNamespace;
  assert.deepEqual(injectionProblems(pod, out, { appPort: options.port, namespace }), []);
  const [sidecar] = sidecarsOf(out);
  const native = options.nativeSidecar ?? settings.nativeSidecars;
  assert.equal(
    native ? out.spec?.initContainers?.[0] : out.spec?.containers.at(-1),
    sidecar,
    native ? 'a native sidecar goes first' : 'a regular sidecar goes last',
  );
  const again = decideAdmission(requestFor(out, { namespace: requestNamespace, uid: 'again' }), settings, namespaceOptIn);
  assert.equal(again.response.patch, undefined, `re-admitting the injected pod patches nothing (${again.reason})`);
  assert.equal(again.rule, 'already-injected');
}

test('injection is idempotent, keeps the user’s containers, volumes and env, and adds one restricted sidecar on free ports', () => {
  fc.assert(fc.property(generated, check), { numRuns: NUM_RUNS });
  // The generator reaches every outcome, so the properties are not vacuous.
  for (const [outcome, n] of Object.entries(outcomes)) assert.ok(n >= NUM_RUNS / 20, `${outcome}: only ${n} of ${NUM_RUNS} runs`);
});
