// Helpers for webhook tests: fixed injection settings, AdmissionReviews for a
// pod, the patch a decision carries, what Kubernetes would check of the injected
// sidecar, and the webhook as an in-process server or as the real child process.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { SIDECAR_NAME } from '../../../src/annotations.ts';
import { TOKEN_VOLUME } from '../../../webhook/inject.ts';
import { parseFlags } from '../../../src/config/flags.ts';
import type { Container, Pod } from '../../../src/k8s/types.ts';
import { createLogger } from '../../../src/log.ts';
import { SIDECAR_FLAGS, sidecarConfigProblems } from '../../../sidecar/config.ts';
import { WEBHOOK_FLAGS, webhookConfigProblems } from '../../../webhook/config.ts';
import { applyPatch, type JsonPatch } from '../../../webhook/patch.ts';
import type { AdmissionRequest, AdmissionResponse, Decision } from '../../../webhook/review.ts';
import { startWebhook } from '../../../webhook/server.ts';
import type { InjectSettings } from '../../../webhook/settings.ts';
import { httpsRequest, type Reply } from '../net/http.ts';
import { startCli, type CliProcess } from './cli-process.ts';
import { NODE, REPO } from './sidecar.ts';

export const SIDECAR_IMAGE = 'ghcr.io/podprof/podprof-sidecar:0.1.0';
export const GATEWAY_URL = 'https://podprof-gateway.podprof-system.svc:8443';
/** One fixed ES256 public key, so golden files do not change from run to run. */
export const JWKS = JSON.stringify({
  keys: [
    {
      kty: 'EC',
      crv: 'P-256',
      x: 'A7DwPwGXoFib2AKl_3uPpSuR7z6N9TByBl7tupQ5jMI',
      y: 'qjLPtv7KdEW41RA5c7UyytlSmK5pwGxutTL33QIskXY',
      kid: '8AGINcNIvS5EmVH6gKhiRXC_H6OTuIjoXBJy07qmOn0',
      alg: 'ES256',
      use: 'sig',
    },
  ],
});

export const SETTINGS: InjectSettings = Object.freeze({
  sidecarImage: SIDECAR_IMAGE,
  gatewayUrl: GATEWAY_URL,
  jwks: JWKS,
  nativeSidecars: true,
  namespace: 'podprof-system',
  version: '0.1.0',
});

export interface ReviewOptions {
  uid?: string;
  /** request.namespace; defaults to the pod's namespace, then `default`. */
  namespace?: string;
  operation?: string;
  dryRun?: boolean;
}

/** The request part of an AdmissionReview for a pod, as the API server sends it on CREATE. */
export function requestFor(pod: Pod, o: ReviewOptions = {}): AdmissionRequest & Record<string, unknown> {
  return {
    uid: o.uid ?? '0d8e3f4a-0000-4000-8000-000000000001',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    requestKind: { group: '', version: 'v1', kind: 'Pod' },
    operation: o.operation ?? 'CREATE',
    namespace: o.namespace ?? (pod.metadata?.namespace || 'default'),
    ...(pod.metadata?.name ? { name: pod.metadata.name } : {}),
    userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
    dryRun: o.dryRun ?? false,
    object: pod,
  };
}

export function reviewFor(pod: Pod, o: ReviewOptions = {}): { apiVersion: string; kind: string; request: AdmissionRequest } {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: requestFor(pod, o) };
}

/** The JSONPatch a response carries, decoded; undefined when it carries none. */
export function patchOf(r: AdmissionResponse | Decision): JsonPatch | undefined {
  const response = 'response' in r ? r.response : r;
  if (response.patch === undefined) return undefined;
  assert.equal(response.patchType, 'JSONPatch');
  return JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as JsonPatch;
}

/** The pod as the API server stores it after the webhook's patch. */
export function patched(pod: Pod, r: AdmissionResponse | Decision): Pod {
  const patch = patchOf(r);
  return patch === undefined ? structuredClone(pod) : applyPatch(pod, patch);
}

export function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

export function sidecarsOf(pod: Pod): Container[] {
  return allContainers(pod).filter((c) => c.name === SIDECAR_NAME);
}

/**
 * The Pod Security Standard `restricted` checks that apply to one container
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/), assuming
 * nothing from the pod-level securityContext. Returns the failures.
 */
export function restrictedProblems(c: Container): string[] {
  const sc = (c.securityContext ?? {}) as {
    runAsNonRoot?: unknown;
    runAsUser?: unknown;
    allowPrivilegeEscalation?: unknown;
    privileged?: unknown;
    capabilities?: { drop?: unknown; add?: unknown };
    seccompProfile?: { type?: unknown };
    procMount?: unknown;
  };
  const problems: string[] = [];
  if (sc.runAsNonRoot !== true) problems.push('runAsNonRoot must be true');
  if (sc.runAsUser === 0) problems.push('runAsUser must not be 0');
  if (sc.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation must be false');
  if (sc.privileged === true) problems.push('privileged must not be true');
  const drop = Array.isArray(sc.capabilities?.drop) ? (sc.capabilities.drop as unknown[]) : [];
  if (!drop.includes('ALL')) problems.push('capabilities.drop must include ALL');
  const add = Array.isArray(sc.capabilities?.add) ? (sc.capabilities.add as unknown[]) : [];
  if (add.some((a) => a !== 'NET_BIND_SERVICE')) problems.push('capabilities.add may only hold NET_BIND_SERVICE');
  if (sc.seccompProfile?.type !== 'RuntimeDefault' && sc.seccompProfile?.type !== 'Localhost')
    problems.push('seccompProfile.type must be RuntimeDefault or Localhost');
  if (sc.procMount !== undefined && sc.procMount !== 'Default') problems.push('procMount must be Default');
  if ((c.ports ?? []).some((p) => p.hostPort !== undefined && p.hostPort !== 0)) problems.push('hostPort must not be set');
  return problems;
}

/** What the API server's validation says of the sidecar container itself (names, ports, probes). */
export function containerShapeProblems(c: Container): string[] {
  const problems: string[] = [];
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name) || c.name.length > 63)
    problems.push(`container name ${c.name} is not a DNS-1123 label`);
  const names = new Set<string>();
  for (const p of c.ports ?? []) {
    if (!Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535)
      problems.push(`containerPort ${p.containerPort} out of range`);
    if (p.name === undefined) continue;
    if (p.name.length > 15 || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(p.name) || !/[a-z]/.test(p.name) || p.name.includes('--'))
      problems.push(`port name ${p.name} is not an IANA_SVC_NAME`);
    if (names.has(p.name)) problems.push(`port name ${p.name} twice`);
    names.add(p.name);
  }
  for (const probe of [c.readinessProbe, c.livenessProbe]) {
    const port = (probe as { httpGet?: { port?: unknown } } | undefined)?.httpGet?.port;
    if (typeof port === 'string' && !names.has(port)) problems.push(`probe port ${port} is not a named port of the container`);
  }
  if (c.restartPolicy !== undefined && c.restartPolicy !== 'Always') problems.push(`restartPolicy ${String(c.restartPolicy)}`);
  return problems;
}

/** A stand-in for the kubelet: the sidecar's environment, downward-API fields resolved. */
export function sidecarEnv(c: Container, pod: Pod, namespace: string): Record<string, string> {
  const fields: Record<string, string> = {
    'metadata.name': pod.metadata?.name || `${pod.metadata?.generateName ?? 'pod-'}x7k2q`,
    'metadata.namespace': namespace,
    'metadata.uid': '7c1e2a9b-0000-4000-8000-00000000beef',
    'status.podIP': '10.244.1.17',
  };
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef !== undefined) {
      const v = fields[e.valueFrom.fieldRef.fieldPath];
      assert.ok(v !== undefined, `env ${e.name}: unknown fieldRef ${e.valueFrom.fieldRef.fieldPath}`);
      env[e.name] = v;
    }
  }
  return env;
}

/** Would `podprof sidecar` start with the args and env the webhook gave it? Returns its complaints. */
export function sidecarStartProblems(c: Container, pod: Pod, namespace: string): string[] {
  try {
    const config = parseFlags(SIDECAR_FLAGS, c.args ?? [], sidecarEnv(c, pod, namespace));
    return sidecarConfigProblems(config);
  } catch (err) {
    return [(err as Error).message];
  }
}

function withoutSidecar(cs: readonly Container[] | undefined): Container[] {
  return (cs ?? []).filter((c) => c.name !== SIDECAR_NAME);
}

/**
 * What is wrong with `after` as the injection of `before`: the user's containers,
 * init containers, volumes and env kept in order, exactly one sidecar, ports free,
 * restricted Pod Security, a shape the API server accepts, a config the sidecar accepts.
 */
export function injectionProblems(before: Pod, after: Pod, o: { appPort: number; namespace: string }): string[] {
  const problems: string[] = [];
  const eq = (what: string, a: unknown, b: unknown): void => {
    if (!isDeepStrictEqual(a, b)) problems.push(`${what} changed`);
  };
  eq('containers', withoutSidecar(after.spec?.containers), before.spec?.containers ?? []);
  eq('initContainers', withoutSidecar(after.spec?.initContainers), before.spec?.initContainers ?? []);
  // The one volume injection adds: the sidecar's projected enrollment token.
  eq(
    'volumes',
    (after.spec?.volumes ?? []).filter((v) => v.name !== TOKEN_VOLUME),
    before.spec?.volumes ?? [],
  );
  eq('managedFields', after.metadata?.managedFields, before.metadata?.managedFields);
  eq('ownerReferences', after.metadata?.ownerReferences, before.metadata?.ownerReferences);
  eq('name', after.metadata?.name, before.metadata?.name);
  eq('generateName', after.metadata?.generateName, before.metadata?.generateName);
  const sidecars = sidecarsOf(after);
  if (sidecars.length !== 1) return [...problems, `${sidecars.length} ${SIDECAR_NAME} containers`];
  const sidecar = sidecars[0]!;
  const userPorts = new Set(allContainers(before).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)));
  const ours = (sidecar.ports ?? []).map((p) => p.containerPort);
  for (const p of ours) {
    if (userPorts.has(p)) problems.push(`sidecar port ${p} collides with a user container port`);
    if (p === o.appPort) problems.push(`sidecar port ${p} is the app's pprof port`);
  }
  if (new Set(ours).size !== ours.length) problems.push(`sidecar ports repeat: ${ours.join(', ')}`);
  problems.push(...restrictedProblems(sidecar).map((p) => `restricted: ${p}`));
  problems.push(...containerShapeProblems(sidecar));
  problems.push(...sidecarStartProblems(sidecar, after, o.namespace).map((p) => `the sidecar would not start: ${p}`));
  return problems;
}

// ---------------------------------------------------------------------------
// Running webhooks

export interface TestWebhook {
  url: string;
  port: number;
  healthUrl: string;
  /** Log lines, as written. */
  logs: string[];
  close(): Promise<void>;
}

export type ChildWebhook = TestWebhook & CliProcess;

export function writeJwksFile(jwks = JWKS): string {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-webhook-'));
  const file = join(dir, 'jwks.json');
  writeFileSync(file, jwks);
  return file;
}

function baseArgs(jwksFile: string, extra: readonly string[]): string[] {
  return [
    '--listen',
    '127.0.0.1:0',
    '--health-listen',
    '127.0.0.1:0',
    '--sidecar-image',
    SIDECAR_IMAGE,
    '--gateway-url',
    GATEWAY_URL,
    '--jwks-file',
    jwksFile,
    ...extra,
  ];
}

/** `startWebhook` in this process, logging into memory (self-signed TLS). */
export async function startInProcessWebhook(extra: readonly string[] = []): Promise<TestWebhook> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      cb();
    },
  });
  const config = parseFlags(WEBHOOK_FLAGS, baseArgs(writeJwksFile(), extra), {});
  assert.deepEqual(webhookConfigProblems(config), []);
  const w = await startWebhook(config, createLogger('podprof-webhook', { destination: sink, level: 'debug' }));
  return {
    url: `https://127.0.0.1:${w.ports.main}`,
    port: w.ports.main,
    healthUrl: `http://127.0.0.1:${w.ports.health}`,
    logs,
    close: () => w.close(),
  };
}

/** The real `podprof webhook` from the built bundle (run `npm run build` first). */
export function startChildWebhook(extra: readonly string[] = []): Promise<ChildWebhook> {
  return startCli('webhook', baseArgs(writeJwksFile(), extra), {
    node: NODE,
    cwd: REPO,
    env: { ...process.env, POD_NAMESPACE: 'podprof-system' },
  });
}

/** POST a body to the webhook. */
export function post(w: { url: string }, path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return httpsRequest(`${w.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

/** POST an AdmissionReview and return the response part of the answer. */
export async function admit(w: { url: string }, review: unknown, path = '/mutate'): Promise<{ reply: Reply; response: AdmissionResponse }> {
  const reply = await post(w, path, JSON.stringify(review));
  assert.equal(reply.status, 200, reply.text.slice(0, 300));
  assert.match(String(reply.headers['content-type']), /^application\/json/);
  const body = JSON.parse(reply.text) as { apiVersion: string; kind: string; response: AdmissionResponse };
  assert.equal(body.apiVersion, 'admission.k8s.io/v1');
  assert.equal(body.kind, 'AdmissionReview');
  return { reply, response: body.response };
}

/** The `admission review` log lines, parsed. */
export function reviewLogs(
  logs: readonly string[],
): Array<{ uid: string; namespace: string; name: string; dryRun: boolean; outcome: string; rule: string; reason: string }> {
  return logs
    .map((l) => {
      try {
        return JSON.parse(l) as { msg?: string; review?: never };
      } catch {
        return {};
      }
    })
    .filter((l) => l.msg === 'admission review' && l.review !== undefined)
    .map((l) => l.review!);
}

/** A counter's value from a Prometheus text exposition (0 when absent). */
export function counterValue(metrics: string, name: string, labels: Record<string, string>): number {
  for (const line of metrics.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = new Map([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((x): [string, string] => [x[1] ?? '', x[2] ?? '']));
    if (Object.keys(labels).length === got.size && Object.entries(labels).every(([k, v]) => got.get(k) === v)) return Number(m[3]);
  }
  return 0;
}
