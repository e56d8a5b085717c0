// Node benchmark (issue 23): the price of one injected pod where the kubelet
// charges it. `npm run bench:node` starts the real test node (kubelet +
// containerd + runc + CNI in a network namespace, test/kit/cluster), and runs,
// one variant after the other, N pods of the demo Go app (BENCH_PODS, default
// 20) with:
//
//   none  no sidecar (the baseline for pod start)
//   go    a Go TLS reverse proxy doing the same ES256 check as a native sidecar
//         (bench/sidecar/go-proxy, localhost/podprof-bench-go-proxy:dev, FROM
//         scratch): the floor podprof is compared with
//   node  the podprof sidecar as the webhook injects it (webhook/inject.ts, the
//         same function) on Node 24, image localhost/podprof-sidecar-node:dev
//   bun   the same on Bun, image localhost/podprof-sidecar:dev (what the webhook injects, ADR 5)
//
// Pod start first: after one untimed pod of each variant, BENCH_TIMED rounds
// (default 6) of one pod per variant, created one at a time in a rotating
// order, each timed from the create call to the app container running and to
// the pod Ready (polled every 50 ms). Then per variant, with the image files'
// pages dropped from the page cache first (so pod 1, the first to start, is
// charged the runtime's file pages, as on a node that pulled the image long
// ago): pod 1, then pods 2..N at once, and the kubelet's working set (GET
// /api/v1/nodes/NODE/proxy/stats/summary: usage − inactive_file per container,
// what eviction uses) of each sidecar container, of pod 1 (the first to start)
// apart from pods 2..N, and of the N pods together (pod cgroups): idle,
// and while every pod serves a 30 s CPU profile and a heap snapshot every 3 s
// through its sidecar (the largest sample of each container). Also each image's
// size and the bytes a node pulls (its layers gzipped). Reports, never asserts;
// writes bench/results/node.json. BENCH_QUICK=1: a smoke run (3 pods, short
// waits) whose figures are not to be quoted.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readPodOptions } from '../../src/annotations.ts';
import type { Container, Pod } from '../../src/k8s/types.ts';
import type { ProfileType } from '../../src/endpoints/catalog.ts';
import { generateSigningKey } from '../../src/token/keys.ts';
import { mintSidecarToken } from '../../src/token/sign.ts';
import { inject } from '../../webhook/inject.ts';
import { SIDECAR_DEFAULTS } from '../../webhook/settings.ts';
import { startControlPlane, type ControlPlane } from '../../test/kit/cluster/controlplane.ts';
import { httpsCall } from '../../test/kit/cluster/real-node.ts';
import { buildImages, imageExists, IMAGES, PODMAN, type ImageName } from '../../test/kit/images/images.ts';
import { REPO } from '../../test/kit/product/sidecar.ts';
import { machineInfo, median, round, table, writeResults } from '../lib/stats.ts';

const execFileP = promisify(execFile);
const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_PODS ?? (QUICK ? 3 : 20));
const TIMED = Number(process.env.BENCH_TIMED ?? (QUICK ? 2 : 6));
const SETTLE_MS = QUICK ? 5_000 : 15_000;
const IDLE_SAMPLES = QUICK ? 1 : 3;
const SAMPLE_EVERY_MS = 10_000;
const CPU_SECONDS = QUICK ? 5 : 30;
const HEAP_EVERY_MS = 3_000;
const RESULTS = join(REPO, QUICK ? 'bench/results/node-quick.json' : 'bench/results/node.json');
const MiB = 2 ** 20;
const SIDECAR = 'podprof-sidecar';
const VARIANTS = ['none', 'go', 'node', 'bun'] as const;
type Variant = (typeof VARIANTS)[number];
const IMAGE_OF: Record<Exclude<Variant, 'none'>, ImageName> = { go: 'bench-go-proxy', node: 'sidecar-node', bun: 'sidecar' };
const NEEDED: ImageName[] = ['pause', 'demo-app', 'bench-go-proxy', 'sidecar', 'sidecar-node'];
/** Quoted, not measured: the requests platform teams commonly give these sidecars. */
const QUOTED_MIB = { 'kube-rbac-proxy': 20, 'istio-proxy': 128 } as const;
const GOALS = { idleMiB: 16, idleVsGo: 2, loadMiB: 32, imageMiB: 100, startMs: 300 } as const;

const key = generateSigningKey();
const JWKS = JSON.stringify({ keys: [key.publicJwk] });
const insecure = new Agent({ rejectUnauthorized: false, keepAlive: false });

interface Api {
  get<T>(path: string): Promise<T>;
  send(method: string, path: string, body?: unknown): Promise<number>;
}

function apiOf(cp: ControlPlane): Api {
  const ca = readFileSync(cp.caFile);
  const call = (method: string, path: string, json?: unknown) =>
    httpsCall(`${cp.server}${path}`, { ca, token: cp.adminToken, method, json, timeoutMs: 60_000 });
  return {
    async get<T>(path: string): Promise<T> {
      const r = await call('GET', path);
      if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
      return JSON.parse(r.body.toString()) as T;
    },
    async send(method, path, body) {
      const r = await call(method, path, body);
      if (r.status >= 300 && r.status !== 404) throw new Error(`${method} ${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
      return r.status;
    },
  };
}

const restricted = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** The demo app's pod as a user writes it, annotated for injection. */
function appPod(namespace: string, i: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `app-${i}`, namespace, labels: { app: 'bench' }, annotations: { 'podprof.io/inject': 'true' } },
    spec: {
      terminationGracePeriodSeconds: 2,
      enableServiceLinks: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'app',
          image: IMAGES['demo-app'].tag,
          // Its allocation and contention work without the CPU burners: N pods stay inside a 2-core
          // machine. No CPU limit: with every container limited, the pod's cgroup gets the sum as its
          // quota, and 20m held the uninjected pod's start (runc, the Go runtime) to ~9 s.
          args: ['-cpu-workers=0'],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '128Mi' } },
          securityContext: restricted,
        },
      ],
    },
  };
}

/** The pod variant `v` creates: none as written; node and bun as the webhook injects them; go with the Go proxy in the sidecar's place. */
function podFor(v: Variant, namespace: string, i: number): Pod {
  const pod = appPod(namespace, i);
  if (v === 'none') return pod;
  const settings = {
    sidecarImage: IMAGES[IMAGE_OF[v]].tag,
    jwks: JWKS,
    nativeSidecars: true,
    namespace: 'podprof-system',
    version: 'bench',
  };
  const injected = inject(pod, readPodOptions(pod).options, settings);
  if (v !== 'go') return injected;
  const sidecar = injected.spec!.initContainers![0]!;
  const port = sidecar.ports![0]!.containerPort;
  const go: Container = {
    ...sidecar,
    args: [
      `--listen=:${port}`,
      `--upstream=http://127.0.0.1:${readPodOptions(pod).options.port}`,
      '--pod-namespace=$(POD_NAMESPACE)',
      '--pod-name=$(POD_NAME)',
      '--pod-uid=$(POD_UID)',
    ],
    ports: [sidecar.ports![0]!],
    // The same probes as podprof's, on its TLS port (it has no health port).
    startupProbe: { tcpSocket: { port }, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 60 },
    readinessProbe: { tcpSocket: { port }, periodSeconds: 10, timeoutSeconds: 2 },
    livenessProbe: { tcpSocket: { port }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 6 },
  };
  return { ...injected, spec: { ...injected.spec!, initContainers: [go] } };
}

interface PodStatusView {
  metadata: { uid: string };
  status?: {
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; state?: { running?: unknown } }[];
  };
}

const podPath = (ns: string, name = ''): string => `/api/v1/namespaces/${ns}/pods${name ? `/${name}` : ''}`;
const isReady = (p: PodStatusView): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const appRunning = (p: PodStatusView): boolean => p.status?.containerStatuses?.some((c) => c.name === 'app' && c.state?.running) ?? false;

interface Start {
  appRunningMs: number;
  readyMs: number;
}

/** Creates the pod and polls it until Ready: the create call to the app running, and to Ready. */
async function createTimed(api: Api, pod: Pod): Promise<Start> {
  const started = performance.now();
  await api.send('POST', podPath(pod.metadata!.namespace!), pod);
  let running: number | undefined;
  for (;;) {
    const p = await api.get<PodStatusView>(podPath(pod.metadata!.namespace!, pod.metadata!.name));
    if (running === undefined && appRunning(p)) running = performance.now() - started;
    if (isReady(p)) return { appRunningMs: running ?? performance.now() - started, readyMs: performance.now() - started };
    if (performance.now() - started > 180_000) throw new Error(`${pod.metadata!.name}: not Ready after 180 s: ${JSON.stringify(p.status)}`);
    await sleep(50);
  }
}

async function waitAllReady(api: Api, ns: string, n: number): Promise<PodStatusView[]> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { items } = await api.get<{ items: (PodStatusView & { metadata: { name: string } })[] }>(podPath(ns));
    if (items.length === n && items.every(isReady)) return items;
    if (Date.now() > deadline) throw new Error(`${ns}: ${items.filter(isReady).length}/${n} pods Ready after 300 s`);
    await sleep(500);
  }
}

interface Summary {
  node: { memory?: { workingSetBytes?: number }; systemContainers?: { name: string; memory?: { workingSetBytes?: number } }[] };
  pods: {
    podRef: { name: string; namespace: string };
    memory?: { workingSetBytes?: number };
    containers?: { name: string; memory?: { workingSetBytes?: number; usageBytes?: number } }[];
  }[];
}

/** One reading of the kubelet, MiB: each pod's sidecar, app and pod working set; their sum over the variant's pods. */
interface Reading {
  sidecar: Record<string, number>;
  /** The sidecar's usage, inactive file pages included: what pod 1 is charged for the runtime's file pages shows here. */
  sidecarUsage: Record<string, number>;
  app: Record<string, number>;
  pod: Record<string, number>;
  allPods: number;
}

async function read(api: Api, node: string, ns: string): Promise<Reading> {
  const s = await api.get<Summary>(`/api/v1/nodes/${node}/proxy/stats/summary`);
  const out: Reading = { sidecar: {}, sidecarUsage: {}, app: {}, pod: {}, allPods: Number.NaN };
  for (const p of s.pods.filter((x) => x.podRef.namespace === ns)) {
    const ws = (name: string): number | undefined => {
      const b = p.containers?.find((c) => c.name === name)?.memory?.workingSetBytes;
      return b === undefined ? undefined : b / MiB;
    };
    const sc = ws(SIDECAR);
    if (sc !== undefined) out.sidecar[p.podRef.name] = sc;
    const usage = p.containers?.find((c) => c.name === SIDECAR)?.memory?.usageBytes;
    if (usage !== undefined) out.sidecarUsage[p.podRef.name] = usage / MiB;
    const app = ws('app');
    if (app !== undefined) out.app[p.podRef.name] = app;
    if (p.memory?.workingSetBytes !== undefined) out.pod[p.podRef.name] = p.memory.workingSetBytes / MiB;
  }
  // The sum of the variant's pods (the kubelet's "pods" cgroup also holds what deleted pods left charged).
  out.allPods = Object.values(out.pod).reduce((a, b) => a + b, 0);
  return out;
}

/** Per pod, `pick` (median or max) over the readings. */
function combine(readings: readonly Reading[], pick: (xs: number[]) => number): Reading {
  const per = (f: (r: Reading) => Record<string, number>): Record<string, number> => {
    const names = new Set(readings.flatMap((r) => Object.keys(f(r))));
    return Object.fromEntries([...names].map((n) => [n, pick(readings.map((r) => f(r)[n]).filter((x): x is number => x !== undefined))]));
  };
  return {
    sidecar: per((r) => r.sidecar),
    sidecarUsage: per((r) => r.sidecarUsage),
    app: per((r) => r.app),
    pod: per((r) => r.pod),
    allPods: pick(readings.map((r) => r.allPods)),
  };
}

interface Split {
  /** Pod 1 (app-0): the first to start, which may carry the runtime's shared file pages. */
  first: number | undefined;
  /** Pods 2..N. */
  rest: { median: number; max: number; min: number } | undefined;
}

function split(per: Record<string, number>): Split {
  const rest = Object.entries(per)
    .filter(([n]) => n !== 'app-0')
    .map(([, v]) => v);
  return {
    first: per['app-0'] === undefined ? undefined : round(per['app-0']),
    rest: rest.length === 0 ? undefined : { median: round(median(rest)), max: round(Math.max(...rest)), min: round(Math.min(...rest)) },
  };
}

function get(url: string, token: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: insecure, headers: { authorization: `Bearer ${token}` }, timeout: 120_000 });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.on('response', (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.end();
  });
}

interface LoadResult {
  cpu: { ok: number; failed: string[] };
  heap: { ok: number; failed: number; bytes: number };
}

/** Every pod at once: a CPU profile of CPU_SECONDS, and a heap snapshot every HEAP_EVERY_MS meanwhile, through its sidecar. */
async function load(ns: string, pods: readonly (PodStatusView & { metadata: { name: string } })[], port: number): Promise<LoadResult> {
  const out: LoadResult = { cpu: { ok: 0, failed: [] }, heap: { ok: 0, failed: 0, bytes: 0 } };
  const token = (p: PodStatusView & { metadata: { name: string } }, type: ProfileType): string =>
    mintSidecarToken(key, {
      subject: 'bench@podprof',
      ttlSeconds: 120,
      grant: { namespace: ns, pod: p.metadata.name, uid: p.metadata.uid, type, maxSeconds: 60 },
    });
  await Promise.all(
    pods.map(async (p) => {
      const base = `https://${p.status!.podIP!}:${port}/debug/pprof`;
      const cpu = get(`${base}/profile?seconds=${CPU_SECONDS}`, token(p, 'profile')).then(
        (r) => (r.status === 200 ? out.cpu.ok++ : out.cpu.failed.push(`${p.metadata.name}: ${r.status}`)),
        (e: Error) => out.cpu.failed.push(`${p.metadata.name}: ${e.message}`),
      );
      const until = Date.now() + CPU_SECONDS * 1000;
      await sleep(Math.random() * HEAP_EVERY_MS);
      while (Date.now() < until) {
        const r = await get(`${base}/heap`, token(p, 'heap')).catch(() => ({ status: 0, bytes: 0 }));
        if (r.status === 200) {
          out.heap.ok++;
          out.heap.bytes += r.bytes;
        } else out.heap.failed++;
        await sleep(HEAP_EVERY_MS);
      }
      await cpu;
    }),
  );
  return out;
}

interface VariantResult {
  variant: Variant;
  image?: string;
  pods: number;
  start: { timed: number; appRunningMs: number[]; readyMs: number[]; appRunningP50: number; readyP50: number };
  idle: { sidecar: Split; sidecarUsage: Split; pod: Split; app: Split; allPods: number; sidecarMean?: number };
  load?: { sidecar: Split; pod: Split; allPods: number; requests: LoadResult; sidecarMean?: number };
}

const mean = (xs: readonly number[]): number | undefined =>
  xs.length === 0 ? undefined : round(xs.reduce((a, b) => a + b, 0) / xs.length);

/** A namespace pods can be created in at once: its default ServiceAccount and the root CA ConfigMap their token volume mounts. */
async function namespace(api: Api, ns: string): Promise<void> {
  await api.send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (let i = 0; ; i++) {
    const sa = await api.get<{ items: unknown[] }>(`/api/v1/namespaces/${ns}/serviceaccounts`);
    const cm = await api.send('GET', `/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`);
    if (sa.items.length > 0 && cm === 200) return;
    if (i > 600) throw new Error(`${ns}: no default ServiceAccount or kube-root-ca.crt after 60 s`);
    await sleep(100);
  }
}

async function deleteNamespace(api: Api, ns: string): Promise<void> {
  // The pods first, at once: the namespace's own deletion waits out each one's grace period.
  await api.send('DELETE', `${podPath(ns)}?gracePeriodSeconds=0`);
  await api.send('DELETE', `/api/v1/namespaces/${ns}`);
  for (let i = 0; ; i++) {
    if ((await api.send('GET', `/api/v1/namespaces/${ns}`)) === 404) return;
    if (i > 1200) throw new Error(`${ns}: not deleted after 120 s`);
    await sleep(100);
  }
}

/** Pod start, injected or not: one untimed pod per variant, then TIMED rounds of one pod per variant in a rotating order, one at a time. */
async function startLatency(api: Api): Promise<Record<Variant, Start[]>> {
  const ns = 'bench-start';
  await namespace(api, ns);
  const out = Object.fromEntries(VARIANTS.map((v) => [v, [] as Start[]])) as Record<Variant, Start[]>;
  const create = async (v: Variant, name: string): Promise<Start> => {
    const pod = podFor(v, ns, 0);
    pod.metadata!.name = name;
    const s = await createTimed(api, pod);
    await api.send('DELETE', podPath(ns, name));
    return s;
  };
  for (const v of VARIANTS) await create(v, `warm-${v}`);
  for (let r = 0; r < TIMED; r++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]!);
    for (const v of order) out[v].push(await create(v, `${v}-${r}`));
    log(`pod start: round ${r + 1}/${TIMED}`);
  }
  await deleteNamespace(api, ns);
  return out;
}

/** Drops the image files' pages from the page cache (dd iflag=nocache): the next pod to read them is charged for them. */
async function dropImagePages(containerdRoot: string): Promise<void> {
  // Snapshots of containers being removed may vanish meanwhile: what is left is what counts.
  await execFileP('sh', [
    '-c',
    `find "$1" -type f -size +0 -exec dd if={} iflag=nocache count=0 status=none \\; 2>/dev/null; exit 0`,
    'sh',
    containerdRoot,
  ]);
}

async function runVariant(api: Api, node: string, containerdRoot: string, v: Variant, starts: Start[]): Promise<VariantResult> {
  const ns = `bench-${v}`;
  await namespace(api, ns);
  await dropImagePages(containerdRoot);
  log(`${v}: pod 1, then ${N - 1} more at once`);
  await createTimed(api, podFor(v, ns, 0));
  await Promise.all(Array.from({ length: N - 1 }, (_, j) => api.send('POST', podPath(ns), podFor(v, ns, 1 + j))));
  const pods = (await waitAllReady(api, ns, N)) as (PodStatusView & { metadata: { name: string } })[];
  log(`${v}: all ${N} Ready; idle for ${SETTLE_MS / 1000} s, then ${IDLE_SAMPLES} readings ${SAMPLE_EVERY_MS / 1000} s apart`);
  await sleep(SETTLE_MS);
  const idleReadings: Reading[] = [];
  for (let i = 0; i < IDLE_SAMPLES; i++) {
    if (i > 0) await sleep(SAMPLE_EVERY_MS);
    idleReadings.push(await read(api, node, ns));
  }
  const idle = combine(idleReadings, median);
  const appRunningMs = starts.map((s) => Math.round(s.appRunningMs));
  const readyMs = starts.map((s) => Math.round(s.readyMs));
  const result: VariantResult = {
    variant: v,
    ...(v === 'none' ? {} : { image: IMAGES[IMAGE_OF[v]].tag }),
    pods: N,
    start: { timed: TIMED, appRunningMs, readyMs, appRunningP50: median(appRunningMs), readyP50: median(readyMs) },
    idle: {
      sidecar: split(idle.sidecar),
      sidecarUsage: split(idle.sidecarUsage),
      pod: split(idle.pod),
      app: split(idle.app),
      allPods: round(idle.allPods),
      sidecarMean: mean(Object.values(idle.sidecar)),
    },
  };
  if (v !== 'none') {
    const port = podFor(v, ns, 0).spec!.initContainers![0]!.ports![0]!.containerPort;
    log(`${v}: load: each pod a ${CPU_SECONDS} s CPU profile and a heap snapshot every ${HEAP_EVERY_MS / 1000} s`);
    const readings: Reading[] = [];
    let running = true;
    const sampler = (async () => {
      while (running) {
        await sleep(5_000);
        readings.push(await read(api, node, ns));
      }
    })();
    const requests = await load(ns, pods, port);
    await sleep(2_000); // the last streamed bytes, in the next reading
    readings.push(await read(api, node, ns));
    running = false;
    await sampler;
    const peak = combine(readings, (xs) => Math.max(...xs));
    result.load = {
      sidecar: split(peak.sidecar),
      pod: split(peak.pod),
      allPods: round(peak.allPods),
      requests,
      sidecarMean: mean(Object.values(peak.sidecar)),
    };
  }
  // Deleted, not waited for: the next variant measures its own pods only.
  log(`${v}: deleting ${ns}`);
  await api.send('DELETE', `${podPath(ns)}?gracePeriodSeconds=0`);
  await api.send('DELETE', `/api/v1/namespaces/${ns}`);
  return result;
}

/** Uncompressed (podman's size) and gzipped layer bytes: what a node stores, and what it pulls. */
async function imageSize(tag: string): Promise<{ mib: number; pulledMiB: number }> {
  const { stdout } = await execFileP('podman', [...PODMAN, 'image', 'inspect', '--format', '{{.Size}}', tag]);
  const dir = mkdtempSync(join(tmpdir(), 'podprof-bench-image-'));
  try {
    const out = join(dir, 'oci');
    await execFileP('podman', [...PODMAN, 'save', '--format', 'docker-dir', '--compress', '-o', out, tag], { maxBuffer: 16 << 20 });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { layers: { digest: string; size: number }[] };
    const pulled = manifest.layers.reduce((a, l) => a + l.size, 0);
    return { mib: round(Number(stdout.trim()) / MiB, 1), pulledMiB: round(pulled / MiB, 1) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const t0 = Date.now();
/** The machine's 1-minute load average at the start: other work on it skews the start times most. */
const loadAtStart = loadavg()[0]!;
function log(line: string): void {
  console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
}

const fmt = (n: number | undefined, digits = 1): string => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));
const restOf = (s: Split): number | undefined => s.rest?.median;

async function main(): Promise<void> {
  const missing: ImageName[] = [];
  for (const n of NEEDED) if (!(await imageExists(IMAGES[n].tag))) missing.push(n);
  if (missing.length > 0) {
    log(`building ${missing.join(', ')}`);
    await buildImages(missing);
  }
  const images: Record<string, { mib: number; pulledMiB: number }> = {};
  for (const n of ['sidecar', 'sidecar-node', 'bench-go-proxy'] as const)
    if (await imageExists(IMAGES[n].tag)) images[n] = await imageSize(IMAGES[n].tag);
  log(`images: ${JSON.stringify(images)}`);
  log('starting the control plane and the real node');
  const cp = await startControlPlane({ node: { images: NEEDED.map((n) => IMAGES[n].tag) } });
  const results: VariantResult[] = [];
  try {
    const api = apiOf(cp);
    const node = cp.node!.name;
    // The scheduler needs the node Ready.
    for (let i = 0; ; i++) {
      const n = await api
        .get<{ status?: { conditions?: { type: string; status: string }[] } }>(`/api/v1/nodes/${node}`)
        .catch(() => undefined);
      if (n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) break;
      if (i > 1200) throw new Error('the node is not Ready after 120 s');
      await sleep(100);
    }
    log(`pod start: ${TIMED} rounds of one pod per variant`);
    const starts = await startLatency(api);
    for (const v of VARIANTS) results.push(await runVariant(api, node, cp.node!.layout.containerdRoot, v, starts[v]));
  } finally {
    await cp.stop();
  }
  report(results, images);
}

function report(results: readonly VariantResult[], images: Record<string, { mib: number; pulledMiB: number }>): void {
  const by = Object.fromEntries(results.map((r) => [r.variant, r])) as Record<Variant, VariantResult>;
  const none = by.none;
  const go = by.go;
  const rows: string[][] = [['', 'go', 'podprof node', 'podprof bun', 'node / go', 'bun / go', 'goal']];
  const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || !b ? '–' : `× ${(a / b).toFixed(2)}`);
  const line = (label: string, f: (r: VariantResult) => number | undefined, goal: string): void => {
    rows.push([label, fmt(f(go)), fmt(f(by.node)), fmt(f(by.bun)), ratio(f(by.node), f(go)), ratio(f(by.bun), f(go)), goal]);
  };
  line(
    'sidecar working set, pods 2..N, idle (MiB, median)',
    (r) => restOf(r.idle.sidecar),
    `≤ ${GOALS.idleMiB} and ≤ ${GOALS.idleVsGo}× go`,
  );
  line('  pod 1 (the first started), idle', (r) => r.idle.sidecar.first, '');
  line('  pods 2..N, idle, max', (r) => r.idle.sidecar.rest?.max, '');
  line('sidecar usage (inactive file pages too), pod 1, idle', (r) => r.idle.sidecarUsage.first, '');
  line('  pods 2..N, idle (median)', (r) => restOf(r.idle.sidecarUsage), '');
  line(
    'sidecar working set, pods 2..N, under load (MiB, median of peaks)',
    (r) => restOf(r.load?.sidecar ?? { first: undefined, rest: undefined }),
    `≤ ${GOALS.loadMiB}`,
  );
  line('  pod 1, under load (peak)', (r) => r.load?.sidecar.first, '');
  line('  pods 2..N, under load, max', (r) => r.load?.sidecar.rest?.max, '');
  line('N pods together, idle (MiB, pod working sets)', (r) => r.idle.allPods, '');
  line('  minus no sidecar, per pod', (r) => (r.idle.allPods - none.idle.allPods) / r.pods, '');
  line('N pods together, under load (MiB, peak)', (r) => r.load?.allPods, '');
  line('image (MiB, uncompressed)', (r) => (r.variant === 'none' ? undefined : images[IMAGE_OF[r.variant]])?.mib, `≤ ${GOALS.imageMiB}`);
  line('  pulled (MiB, layers gzipped)', (r) => (r.variant === 'none' ? undefined : images[IMAGE_OF[r.variant]])?.pulledMiB, '');
  line('pod start → app running, p50 (ms)', (r) => r.start.appRunningP50, '');
  line('  + over no sidecar', (r) => r.start.appRunningP50 - none.start.appRunningP50, `≤ ${GOALS.startMs} ms`);
  line('pod start → Ready, p50 (ms)', (r) => r.start.readyP50, '');
  line('  + over no sidecar', (r) => r.start.readyP50 - none.start.readyP50, `≤ ${GOALS.startMs} ms`);
  console.log(
    `\nno sidecar: app running p50 ${none.start.appRunningP50} ms, Ready p50 ${none.start.readyP50} ms; ${N} pods together ${fmt(none.idle.allPods)} MiB`,
  );
  console.log(table(rows));

  // Per 1,000 pods: the sidecars' working set (pods 2..N, idle and under load), against the requests quoted for others.
  const per1000 = (mib: number | undefined): number | undefined => (mib === undefined ? undefined : round((mib * 1000) / 1024, 1));
  const thousand = {
    'podprof, Node': { idleGiB: per1000(restOf(by.node.idle.sidecar)), loadGiB: per1000(restOf(by.node.load!.sidecar)) },
    'podprof, Bun': { idleGiB: per1000(restOf(by.bun.idle.sidecar)), loadGiB: per1000(restOf(by.bun.load!.sidecar)) },
    'Go proxy': { idleGiB: per1000(restOf(go.idle.sidecar)), loadGiB: per1000(restOf(go.load!.sidecar)) },
    'podprof request today': { requestGiB: per1000(parseInt(SIDECAR_DEFAULTS.memoryRequest, 10)) },
    'kube-rbac-proxy (quoted request)': { requestGiB: per1000(QUOTED_MIB['kube-rbac-proxy']) },
    'Istio sidecar (quoted request)': { requestGiB: per1000(QUOTED_MIB['istio-proxy']) },
  };
  console.log('\nper 1,000 pods (GiB):');
  console.log(
    table([
      ['', 'idle', 'under load', 'request'],
      ...Object.entries(thousand).map(([k, v]) => [
        k,
        fmt('idleGiB' in v ? v.idleGiB : undefined),
        fmt('loadGiB' in v ? v.loadGiB : undefined),
        fmt('requestGiB' in v ? v.requestGiB : undefined),
      ]),
    ]),
  );
  writeResults(RESULTS, {
    machine: machineInfo(),
    quick: QUICK,
    settings: {
      pods: N,
      timed: TIMED,
      settleMs: SETTLE_MS,
      idleSamples: IDLE_SAMPLES,
      cpuSeconds: CPU_SECONDS,
      heapEveryMs: HEAP_EVERY_MS,
    },
    goals: GOALS,
    quotedRequestsMiB: QUOTED_MIB,
    images,
    variants: results,
    per1000Pods: thousand,
    table: rows,
    runSeconds: Math.round((Date.now() - t0) / 1000),
    loadAverage1m: { start: round(loadAtStart), end: round(loadavg()[0]!) },
  });
  console.log(
    `\nload average (1 min): ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end on ${machineInfo().cores} cores`,
  );
  console.log(`\n${RESULTS}`);
}

await main();
