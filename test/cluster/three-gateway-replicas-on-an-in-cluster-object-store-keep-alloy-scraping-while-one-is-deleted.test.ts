// Issue 25 on the real one-node Kubernetes (kubelet + containerd + runc,
// kube-proxy, CoreDNS: test/kit/cluster/node.ts): three gateway replicas,
// installed with Helm, share an S3 bucket served inside the cluster (versitygw
// as a Deployment and Service, test/kit/objectstore/versitygw-image.ts), and
// Grafana Alloy keeps scraping an annotated Deployment of two pods through the
// gateway's Service while one replica is deleted — every (pod, type) series
// keeps arriving once per interval, with no gap longer than one interval (plus
// the slack argued at SLACK_MS), and Alloy logs no error.
//
// Alloy (its own runtime and components, test/kit/scrapers/alloy.ts) runs the
// shipped docs/integrations/alloy.alloy as a process in the node's network
// namespace, where the Service's ClusterIP routes through kube-proxy's rules
// exactly as for a pod, with a resolv.conf naming the cluster's DNS (bind-mounted
// in a mount namespace of its own, as a pod's is): the config's gateway URL is
// the shipped one. Only the token and CA files, Pyroscope's URL and the interval
// (5 s, CPU captures of 4 s) are the test's. Its pushes go to
// test/kit/scrapers/pyroscope-receiver.ts, reached from the node at the node's
// address (RealNode.exposeToPods), which stamps each with when it arrived.
// The replica deleted is the one that answered most CPU scrapes lately, 2 s
// after a CPU profile arrived, so a capture is usually in flight on it (the
// diagnostics say which were). PODPROF_TEST_DEBUG_DIR=DIR keeps Alloy's log,
// the arrivals and the pods' logs there. The tests run in order and share the
// cluster.
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import { SERVICE_CIDR } from '../kit/cluster/apiserver.ts';
import { NODE_IMAGES, startControlPlane, type ControlPlane } from '../kit/cluster/controlplane.ts';
import { killOnExit } from '../kit/cluster/exit-hooks.ts';
import { netnsPath } from '../kit/cluster/node-net.ts';
import { signalGroup } from '../kit/cluster/proc.ts';
import { demoDeployment, eventually, kubectlFor, kubectlJson, type Kubectl } from '../kit/cluster/real-node.ts';
import { buildHelm, helm as runHelm, type HelmResult } from '../kit/helm/helm.ts';
import { installLocally } from '../kit/helm/install-local.ts';
import { versitygwImage } from '../kit/objectstore/versitygw-image.ts';
import { buildAlloy } from '../kit/scrapers/alloy.ts';
import { startPyroscopeReceiver, type PyroscopeReceiver } from '../kit/scrapers/pyroscope-receiver.ts';

const execFileP = promisify(execFile);
const REPO = new URL('../../', import.meta.url).pathname;
const SYSTEM = 'podprof-system';
const NS = 'shop';
const BUCKET = 'podprof';
const GATEWAY = 'app.kubernetes.io/name=podprof-gateway';
const INTERVAL_MS = 5_000;
/**
 * How much longer than one interval two consecutive profiles of a series may arrive apart.
 * Alloy's scrape loop (pyroscope/scrape/scrape_loop.go, v1.10.0) waits a fixed per-target
 * offset once, then scrapes on a time.Ticker of the interval: the scrapes START exactly one
 * interval apart, and a profile arrives when its scrape and push end. Two arrivals are
 * therefore one interval apart plus the difference of two scrape+push durations (the CPU
 * one is 4 s of profiling plus the gateway's and sidecar's work, on a shared 2-core
 * machine). A scrape lost or failed is missing from the ticker's sequence: the next arrival
 * comes at least two intervals minus that difference later. Half an interval tells the two
 * apart while durations vary by less than half an interval.
 */
const SLACK_MS = INTERVAL_MS / 2;
const TYPES = ['process_cpu', 'memory', 'goroutine', 'mutex', 'block'] as const;
const ALLOY_SHIPPED = join(REPO, 'docs/integrations/alloy.alloy');

let cp: ControlPlane | undefined;
let k: Kubectl;
let helmBin: string;
let alloyBin: string;
let vgwImage: string;
let receiver: PyroscopeReceiver | undefined;
let alloy: ChildProcess | undefined;
let stopAlloy = (): void => undefined;
const alloyLog: { at: number; line: string }[] = [];
const work = mkdtempSync(join(tmpdir(), 'podprof-replicas-node-'));
const secrets = join(work, 'secrets');
const startedAt = Date.now();

const helm = (args: readonly string[]): Promise<HelmResult> =>
  runHelm(helmBin, args, {
    HELM_CACHE_HOME: join(work, 'helm/cache'),
    HELM_CONFIG_HOME: join(work, 'helm/config'),
    HELM_DATA_HOME: join(work, 'helm/data'),
    KUBECONFIG: cp!.kubeconfigPath,
  });
const pods = async (namespace: string, selector: string): Promise<V1Pod[]> =>
  (await kubectlJson<V1PodList>(k, ['get', 'pods', '-n', namespace, '-l', selector])).items.filter(
    (p) => p.metadata?.deletionTimestamp === undefined,
  );
const ready = (p: V1Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const spawnSyncOk = (cmd: string, args: string[]): void => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
};
/** The sidecars' audit lines: every request they answered, when, for which type, from which address. */
async function sidecarAudits(
  podNames: readonly string[],
): Promise<{ start: number; end: number; type: string; outcome: string; remote: string }[]> {
  const out = [];
  for (const p of podNames)
    for (const line of (await k(['-n', NS, 'logs', p, '-c', 'podprof-sidecar'])).split('\n')) {
      if (!line.includes('"audit"')) continue;
      const e = JSON.parse(line) as { time: string; audit: { durationMs: number; type: string; outcome: string; remote: string } };
      const end = Date.parse(e.time);
      out.push({
        start: end - e.audit.durationMs,
        end,
        type: e.audit.type,
        outcome: e.audit.outcome,
        remote: e.audit.remote.replace(/^::ffff:/, ''),
      });
    }
  return out;
}
/** A line of the test's own among Alloy's, for the debug dump. */
const mark = (what: string): number => alloyLog.push({ at: Date.now(), line: `[test] ${what}` });
const key = (l: Readonly<Record<string, string>>): string => `${l.pod} ${l.__name__}`;

before(async () => {
  [helmBin, alloyBin, vgwImage] = await Promise.all([buildHelm(), buildAlloy(), versitygwImage()]);
  cp = await startControlPlane({ node: { images: [...NODE_IMAGES, vgwImage] } });
  k = kubectlFor(cp.kubeconfigPath);
  await execFileP(join(REPO, 'manifests/overlays/local/make-secrets.sh'), [secrets]);
});

after(async () => {
  const debug = process.env.PODPROF_TEST_DEBUG_DIR;
  if (debug !== undefined && cp !== undefined) {
    mkdirSync(debug, { recursive: true });
    writeFileSync(join(debug, 'alloy.log'), alloyLog.map((l) => `${new Date(l.at).toISOString()} ${l.line}`).join('\n'));
    writeFileSync(
      join(debug, 'arrivals.txt'),
      (receiver?.series ?? []).map((s) => `${new Date(s.receivedAt!).toISOString()} ${key(s.labels)}`).join('\n'),
    );
    const dump = async (name: string, args: string[]): Promise<void> =>
      writeFileSync(join(debug, name), await k(args).catch((err: Error) => err.message));
    await dump('pods.txt', ['get', 'pods', '-A', '-o', 'wide']);
    await dump('events.txt', ['get', 'events', '-A', '--sort-by=.lastTimestamp']);
    for (const [ns, sel] of [
      [SYSTEM, GATEWAY],
      [NS, 'app=web'],
    ] as const)
      for (const p of await pods(ns, sel).catch(() => []))
        await dump(`${p.metadata!.name!}.log`, ['-n', ns, 'logs', p.metadata!.name!, '--all-containers', '--timestamps']);
  }
  if (alloy?.pid !== undefined && alloy.exitCode === null && alloy.signalCode === null) {
    const exited = new Promise((r) => alloy!.once('exit', r));
    signalGroup(alloy.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(alloy!.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  stopAlloy();
  await receiver?.close();
  await cp?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('versitygw runs in the cluster as a Deployment and Service, with the bucket the replicas share', async () => {
  await k(['create', 'namespace', SYSTEM]);
  await k(['label', 'namespace', SYSTEM, 'pod-security.kubernetes.io/enforce=restricted']);
  const accessKey = `TEST${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretKey = randomBytes(24).toString('base64url');
  const labels = { 'app.kubernetes.io/name': 'versitygw' };
  const objects = [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'versitygw-root', namespace: SYSTEM },
      stringData: { ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey },
    },
    {
      // What the chart's gateway.store.objectStoreSecret names: its keys become the gateway's environment.
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'podprof-store', namespace: SYSTEM },
      stringData: {
        PODPROF_STORE: `s3://${BUCKET}/captures?endpoint=${encodeURIComponent(`http://versitygw.${SYSTEM}.svc:7070`)}&region=us-east-1&forcePathStyle=true`,
        AWS_ACCESS_KEY_ID: accessKey,
        AWS_SECRET_ACCESS_KEY: secretKey,
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'versitygw', namespace: SYSTEM },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            enableServiceLinks: false,
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'versitygw',
                image: vgwImage,
                imagePullPolicy: 'Never',
                // The posix backend: a bucket is a directory of /data.
                args: ['--port', ':7070', 'posix', '/data'],
                envFrom: [{ secretRef: { name: 'versitygw-root' } }],
                ports: [{ name: 's3', containerPort: 7070 }],
                readinessProbe: { tcpSocket: { port: 's3' }, periodSeconds: 2 },
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '512Mi' } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
            volumes: [{ name: 'data', emptyDir: {} }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'versitygw', namespace: SYSTEM },
      spec: { selector: labels, ports: [{ name: 's3', port: 7070, targetPort: 's3' }] },
    },
  ];
  await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  await k(['-n', SYSTEM, 'rollout', 'status', 'deployment/versitygw', '--timeout=180s']);
  // The bucket, by S3's CreateBucket, at the pod's address (routed from the machine to the node's pods).
  const [pod] = await pods(SYSTEM, 'app.kubernetes.io/name=versitygw');
  const s3 = new S3Client({
    endpoint: `http://${pod!.status!.podIP!}:7070`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  } finally {
    s3.destroy();
  }
});

test('helm install with gateway.replicas=3 on the in-cluster bucket: three gateway pods Ready on one node', async () => {
  const install = await installLocally({
    k,
    helm,
    namespace: SYSTEM,
    secrets,
    set: ['gateway.replicas=3', 'gateway.store.objectStoreSecret=podprof-store'],
  });
  assert.equal(install.code, 0, install.stderr);
  await k(['-n', SYSTEM, 'wait', '--for=condition=complete', 'job/podprof-webhook-certs', '--timeout=180s']);
  await k(['-n', SYSTEM, 'rollout', 'status', 'deployment/podprof-webhook', '--timeout=180s']);
  await k(['-n', SYSTEM, 'rollout', 'status', 'deployment/podprof-gateway', '--timeout=240s']);
  const gws = await pods(SYSTEM, GATEWAY);
  assert.equal(gws.length, 3);
  for (const p of gws) assert.ok(ready(p), `${p.metadata?.name} Ready`);
  assert.equal(new Set(gws.map((p) => p.spec?.nodeName)).size, 1, 'all three on the one node');
});

test('an annotated Deployment of 2 in a restricted namespace is injected', async () => {
  await k(['create', 'namespace', NS]);
  await k(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted']);
  await k(['apply', '-f', '-'], JSON.stringify(demoDeployment(NS, 'web', 2)));
  await k(['-n', NS, 'rollout', 'status', 'deployment/web', '--timeout=180s']);
  const ps = await pods(NS, 'app=web');
  assert.equal(ps.length, 2);
  for (const p of ps)
    assert.ok(
      p.spec?.initContainers?.some((c) => c.name === 'podprof-sidecar'),
      `${p.metadata?.name}: injected`,
    );
});

/** The shipped config with the test's token, CA, Pyroscope URL and a 5 s interval; the gateway's URL as shipped. */
function alloyConfig(tokenFile: string, caFile: string, pyroscopeUrl: string): string {
  const swaps: [string, string][] = [
    ['/var/run/secrets/podprof/token', tokenFile],
    ['/etc/podprof/gateway-ca.crt', caFile],
    ['http://pyroscope.monitoring.svc:4040', pyroscopeUrl],
    ['scrape_interval = "15s"', `scrape_interval = "${INTERVAL_MS / 1000}s"\n  delta_profiling_duration = "${INTERVAL_MS / 1000 - 1}s"`],
  ];
  let out = readFileSync(ALLOY_SHIPPED, 'utf8');
  for (const [from, to] of swaps) {
    assert.ok(out.includes(from), `the shipped config has ${from}`);
    out = out.replaceAll(from, to);
  }
  assert.match(out, /https:\/\/podprof-gateway\.podprof-system\.svc:8443\/sd\/targets/);
  return out;
}

test(
  'Alloy scrapes both pods through the gateway’s Service; one replica deleted, no series misses an interval',
  { timeout: 600_000 },
  async (t) => {
    const node = cp!.node!;
    // The scraper's identity: a ServiceAccount bound to podprof-scraper as the example binding does.
    await k(['create', 'namespace', 'monitoring']);
    await k(['-n', 'monitoring', 'create', 'serviceaccount', 'alloy']);
    await k(['apply', '-f', join(REPO, 'manifests/users/scraper-binding.example.yaml')]);
    const dir = join(work, 'alloy');
    mkdirSync(join(dir, 'data'), { recursive: true });
    const tokenFile = join(dir, 'token');
    writeFileSync(
      tokenFile,
      (await k(['-n', 'monitoring', 'create', 'token', 'alloy', '--audience', 'podprof', '--duration', '2h'])).trim(),
      {
        mode: 0o600,
      },
    );
    // As a pod's: the cluster's DNS (CoreDNS on the node's address) and its search path.
    const resolv = join(dir, 'resolv.conf');
    writeFileSync(
      resolv,
      `nameserver ${node.addresses.nodeIp}\nsearch monitoring.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n`,
    );
    receiver = await startPyroscopeReceiver();
    const pyroscope = await node.exposeToPods(Number(new URL(receiver.url).port));
    writeFileSync(join(dir, 'config.alloy'), alloyConfig(tokenFile, join(secrets, 'gateway-ca.crt'), `http://${pyroscope}`));

    // A node's own processes reach ClusterIPs by their default route, which kube-proxy's DNAT
    // then rewrites to a pod. The test node has no default route (its pods' traffic must not
    // leave the machine), so the Service range gets one of its own, to the pods' bridge: a
    // ClusterIP no rule rewrites then goes nowhere, as before.
    spawnSyncOk('ip', ['-n', node.addresses.netns, 'route', 'replace', SERVICE_CIDR, 'dev', 'cni0']);
    // A mount namespace of its own (private: the machine's /etc/resolv.conf is untouched) with
    // the resolv.conf over /etc/resolv.conf, then the node's network namespace, then Alloy.
    const script = 'mount --bind "$1" /etc/resolv.conf && shift && exec nsenter --net="$0" -- "$@"';
    alloy = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        script,
        netnsPath(node.addresses),
        resolv,
        alloyBin,
        join(dir, 'config.alloy'),
        '127.0.0.1:12345',
        join(dir, 'data'),
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const child = alloy;
    stopAlloy = killOnExit(() => signalGroup(child.pid, 'SIGKILL'));
    for (const s of [child.stdout!, child.stderr!])
      createInterface({ input: s }).on('line', (line) => alloyLog.push({ at: Date.now(), line }));
    const alloyTail = (): string =>
      alloyLog
        .slice(-40)
        .map((l) => l.line)
        .join('\n');
    const alive = (): void => {
      if (child.exitCode !== null || child.signalCode !== null)
        assert.fail(`Alloy exited (${child.exitCode ?? child.signalCode}):\n${alloyTail()}`);
    };

    const webPods = (await pods(NS, 'app=web')).map((p) => p.metadata!.name!).sort();
    const expected = webPods.flatMap((p) => TYPES.map((n) => `${p} ${n}`)).sort();
    const arrivals = (): Map<string, number[]> => {
      const m = new Map<string, number[]>();
      for (const s of receiver!.series) {
        const list = m.get(key(s.labels)) ?? [];
        for (let i = 0; i < s.profiles.length; i++) list.push(s.receivedAt!);
        m.set(key(s.labels), list);
      }
      return m;
    };

    // Every (pod, type) twice: Alloy runs, and its scrape loops are in their steady rhythm.
    await eventually(
      'every pod and type received twice',
      () => {
        alive();
        const a = arrivals();
        return Promise.resolve(expected.every((e) => (a.get(e)?.length ?? 0) >= 2) ? true : undefined);
      },
      180_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}\nreceived: ${JSON.stringify([...arrivals()].map(([k2, v]) => [k2, v.length]))}\n${receiver!.rejected.join('\n')}\n${alloyTail()}`,
      );
    });
    const windowStart = Math.max(...[...arrivals().values()].map((v) => v[0]!));
    mark('window starts');
    assert.deepEqual([...arrivals().keys()].sort(), expected, 'every pod and type, nothing else');

    // Delete the replica that answered most CPU scrapes lately (Alloy keeps its connections to
    // the Service, so one or two replicas carry them), while CPU scrapes are in flight: 2 s after
    // a CPU profile arrived, the pod's next 4 s capture has been running for about a second.
    const before = await pods(SYSTEM, GATEWAY);
    assert.equal(before.length, 3);
    const recent = (await sidecarAudits(webPods)).filter((a) => a.end > Date.now() - 2 * INTERVAL_MS);
    const cpuScrapes = (p: V1Pod): number => recent.filter((a) => a.remote === p.status!.podIP && a.type === 'profile').length;
    const scrapes = (p: V1Pod): number => recent.filter((a) => a.remote === p.status!.podIP).length;
    const busiest = [...before].sort((x, y) => cpuScrapes(y) - cpuScrapes(x) || scrapes(y) - scrapes(x))[0]!;
    const victim = busiest.metadata!.name!;
    const victimIp = busiest.status!.podIP!;
    const load = before.map((p) => `${p.metadata!.name} ${scrapes(p)} (${cpuScrapes(p)} CPU)`).join(', ');
    const cpuSeen = receiver.series.filter((s) => s.labels.__name__ === 'process_cpu').length;
    await eventually('a CPU profile arrives', () =>
      Promise.resolve(receiver!.series.filter((s) => s.labels.__name__ === 'process_cpu').length > cpuSeen ? true : undefined),
    );
    await sleep(2000);
    const deletedAt = Date.now();
    mark(`deleting ${victim} (${victimIp}); scrapes answered in the last two intervals: ${load}`);
    await k(['-n', SYSTEM, 'delete', 'pod', victim, '--wait=false']);
    const replacement = await eventually(
      'three gateway replicas Ready again, the deleted one not among them',
      async () => {
        alive();
        const now = await pods(SYSTEM, GATEWAY);
        const fresh = now.filter((p) => !before.some((b) => b.metadata!.name === p.metadata!.name));
        return now.length === 3 && now.every(ready) && !now.some((p) => p.metadata!.name === victim) && fresh.length === 1
          ? fresh[0]
          : undefined;
      },
      180_000,
    );
    const readyAt = Date.now();
    mark(`${replacement.metadata?.name} Ready`);
    await eventually(
      'the deleted replica gone',
      async () => ((await k(['-n', SYSTEM, 'get', 'pods', '-o', 'name'])).includes(`pod/${victim}\n`) ? undefined : true),
      120_000,
    );
    const goneAt = Date.now();
    mark(`${victim} gone`);
    // Four more intervals after the replacement is Ready and the old pod gone.
    while (Date.now() < Math.max(readyAt, goneAt) + 4 * INTERVAL_MS + 1000) {
      alive();
      await sleep(500);
    }
    const windowEnd = Date.now();

    const worst = new Map<string, { gap: number; series: string }>();
    const tooLong: string[] = [];
    for (const [series, times] of arrivals()) {
      const inWindow = times.filter((x) => x >= windowStart).sort((a, b) => a - b);
      const edges = [...inWindow, windowEnd];
      for (let i = 1; i < edges.length; i++) {
        const gap = edges[i]! - edges[i - 1]!;
        const type = series.split(' ')[1]!;
        if (gap > (worst.get(type)?.gap ?? 0)) worst.set(type, { gap, series });
        if (gap > INTERVAL_MS + SLACK_MS)
          tooLong.push(
            `${series}: ${gap} ms from ${new Date(edges[i - 1]!).toISOString()}${i === edges.length - 1 ? ' to the end of the window' : ''}`,
          );
      }
    }
    for (const type of TYPES) {
      const w = worst.get(type);
      t.diagnostic(`${type}: longest gap ${w?.gap} ms (${w?.series}); interval ${INTERVAL_MS} ms, limit ${INTERVAL_MS + SLACK_MS} ms`);
    }
    t.diagnostic(
      `deleted ${victim} at +${Math.round((deletedAt - windowStart) / 1000)} s of the window; ${replacement.metadata?.name} Ready ${readyAt - deletedAt} ms after the delete, ${victim} gone after ${goneAt - deletedAt} ms; window ${Math.round((windowEnd - windowStart) / 1000)} s; test file so far ${Math.round((Date.now() - startedAt) / 1000)} s`,
    );
    // What the deleted replica was doing: the sidecars' audit lines of its requests.
    const audits = (await sidecarAudits(webPods)).filter((a) => a.remote === victimIp);
    const inFlight = audits.filter((a) => a.start < deletedAt && a.end > deletedAt);
    t.diagnostic(
      `chose ${victim} by the scrapes each replica answered in the two intervals before: ${load}. ${victim} answered ${audits.filter((a) => a.end <= deletedAt && a.end > deletedAt - 2 * INTERVAL_MS).length} scrapes in the two intervals before its delete; in flight at the delete: ${inFlight.map((a) => `${a.type} (${a.end - deletedAt} ms more, ${a.outcome})`).join(', ') || 'none'}`,
    );
    assert.ok(
      audits.some((a) => a.end <= deletedAt && a.end > deletedAt - 2 * INTERVAL_MS),
      `${victim} was answering scrapes when it was deleted`,
    );
    const errors = alloyLog.filter((l) => l.at >= windowStart && /level=(error|warn)/.test(l.line)).map((l) => l.line);
    assert.deepEqual(errors, [], 'Alloy logged no error or warning while one replica went away');
    assert.deepEqual(tooLong, [], `no series waited longer than ${INTERVAL_MS + SLACK_MS} ms for its next profile`);
    assert.deepEqual(receiver.rejected, []);
    const after = await pods(SYSTEM, GATEWAY);
    assert.equal(after.length, 3);
    assert.ok(after.every(ready), 'three replicas Ready');
    assert.ok(!after.some((p) => p.metadata!.name === victim), `${victim} gone`);
  },
);
