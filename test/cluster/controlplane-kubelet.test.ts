// Pods as processes: ProcessKubelet (test/kit/cluster/kubelet.ts) runs pods stored
// in the test control plane as local processes on their own 127.0.0.N, the way
// the kubelet would for podprof: downward-API env, readiness, pods/status that
// follows the processes, deletion that stops them. One cluster for the file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { connect, type PeerCertificate } from 'node:tls';
import { ApiException, CoreV1Api, KubeConfig, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../kit/cluster/controlplane.ts';
import { ProcessKubelet, type PodHandle } from '../kit/cluster/kubelet.ts';
import { allocatePodIp, releasePodIp } from '../kit/cluster/pod-ips.ts';
import {
  appContainer,
  conditionOf,
  DOWNWARD_ENV,
  podManifest,
  sidecarContainer,
  waitFor,
  type PodOptions,
} from '../kit/cluster/pod-specs.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';
import { makeKeys, mint, REPO } from '../kit/product/sidecar.ts';

const NS = 'team-a';
const SIDECAR = 'podprof-sidecar';
const keys = makeKeys();
let cp: ControlPlane;
let core: CoreV1Api;
let kubelet: ProcessKubelet;

before(async () => {
  cp = await startControlPlane();
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  // busybox images run the host's /bin/sh with the container's command and args.
  kubelet = new ProcessKubelet({
    cp,
    runtimes: { 'busybox:*': ({ argv }) => ({ command: '/bin/sh', args: argv.slice(1), readiness: { immediately: true } }) },
  });
});

after(async () => {
  await kubelet?.stopAll();
  await cp?.stop();
  rmSync(keys.dir, { recursive: true, force: true });
});

const withSidecar = (): PodOptions => ({ containers: [appContainer(), sidecarContainer(keys.jwksFile)] });
const read = (name: string): Promise<V1Pod> => core.readNamespacedPod({ namespace: NS, name });

async function createAndRun(name: string, o: PodOptions): Promise<{ handle: PodHandle; pod: V1Pod }> {
  await core.createNamespacedPod({ namespace: NS, body: podManifest(name, o) });
  const handle = await kubelet.run(NS, name);
  return { handle, pod: await read(name) };
}

/** A sidecar token bound to this pod as the API stores it (namespace, name, uid). */
const tokenFor = (pod: V1Pod, type: 'heap' | 'goroutine' = 'heap'): string =>
  mint(keys, type, { namespace: pod.metadata!.namespace!, pod: pod.metadata!.name!, uid: pod.metadata!.uid! });
const heap = (ip: string, token: string): Promise<Reply> => httpsRequest(`https://${ip}:8443/debug/pprof/heap`, { headers: bearer(token) });

function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function containerStatus(pod: V1Pod, name: string): NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number] {
  const s = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((c) => c.name === name);
  assert.ok(s, `no status for container ${name}`);
  return s;
}

function peerCertificate(host: string, port: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on('error', reject);
  });
}

test('a pod with the app and the podprof sidecar runs as two processes on its own 127.0.0.N and is reported Running and Ready', async () => {
  const { handle, pod } = await createAndRun('web-a', withSidecar());
  assert.equal(pod.spec?.nodeName, kubelet.nodeName);
  assert.equal(pod.status?.phase, 'Running');
  assert.equal(pod.status?.podIP, handle.ip);
  assert.deepEqual(
    pod.status?.podIPs?.map((p) => p.ip),
    [handle.ip],
  );
  assert.equal(pod.status?.hostIP, '127.0.0.1');
  for (const type of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) assert.equal(conditionOf(pod, type), 'True', type);
  for (const name of ['app', SIDECAR]) {
    const s = containerStatus(pod, name);
    assert.equal(s.ready, true, name);
    assert.equal(s.started, true, name);
    assert.equal(s.restartCount, 0, name);
    assert.ok(s.state?.running?.startedAt, `${name} state.running.startedAt`);
  }
  assert.notEqual(handle.pid('app'), handle.pid(SIDECAR));
  // What listens on the pod IP: the app's pprof (its "loopback"), the sidecar's HTTPS and health ports.
  assert.equal((await fetch(`http://${handle.ip}:6060/debug/pprof/`)).status, 200);
  assert.equal((await fetch(`http://${handle.ip}:8081/readyz`)).status, 200);
  assert.equal((await heap(handle.ip, '')).status, 401);
});

test("the downward-API env reaches the sidecar: a token for the pod's API uid fetches its heap profile on 127.0.0.N:8443, a token for another uid is refused", async () => {
  const { handle, pod } = await createAndRun('web-b', withSidecar());
  const ok = await heap(handle.ip, tokenFor(pod));
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual([...ok.body.subarray(0, 2)], [0x1f, 0x8b], 'a gzipped pprof profile');

  const otherUid = await heap(handle.ip, mint(keys, 'heap', { namespace: NS, pod: 'web-b', uid: randomUUID() }));
  assert.equal(otherUid.status, 403, otherUid.text);
  // It serves the certificate the kit's sidecar CA issued for the pod IP (as cert-manager's CSI driver
  // would mount one), and POD_NAME and POD_NAMESPACE reached it: its ready line names the pod.
  const cert = await peerCertificate(handle.ip, 8443);
  assert.match(cert.subjectaltname ?? '', new RegExp(`IP Address:${handle.ip.replace(/\./g, '\\.')}(,|$)`));
  assert.ok(
    handle.logs(SIDECAR).some((l) => l.includes(`"pod":"${NS}/web-b"`)),
    handle.logs(SIDECAR).join('\n'),
  );
});

test("killing the app process turns the pod's Ready condition False and records exit code 137, while the sidecar stays ready and the pod Running", async () => {
  const { handle } = await createAndRun('web-c', withSidecar());
  process.kill(handle.pid('app'), 'SIGKILL');
  const pod = await waitFor('Ready=False', async () => {
    const p = await read('web-c');
    return conditionOf(p, 'Ready') === 'False' ? p : undefined;
  });
  assert.equal(conditionOf(pod, 'ContainersReady'), 'False');
  assert.equal(pod.status?.phase, 'Running', 'restartPolicy Always: not a terminal phase');
  const app = containerStatus(pod, 'app');
  assert.equal(app.ready, false);
  assert.equal(app.state?.terminated?.exitCode, 137);
  assert.equal(app.state?.terminated?.reason, 'Error');
  assert.equal(containerStatus(pod, SIDECAR).ready, true);
  assert.equal(handle.alive(SIDECAR), true);
});

test('a native sidecar (init container, restartPolicy Always) serves beside the app; when the app of a restartPolicy Never pod dies the pod is Failed and the sidecar is stopped', async () => {
  const nativeSidecar: V1Container = { ...sidecarContainer(keys.jwksFile), restartPolicy: 'Always' };
  const { handle, pod } = await createAndRun('web-d', {
    initContainers: [nativeSidecar],
    containers: [appContainer()],
    restartPolicy: 'Never',
  });
  assert.equal(pod.status?.phase, 'Running');
  assert.equal(conditionOf(pod, 'Ready'), 'True');
  assert.equal(pod.status?.initContainerStatuses?.[0]?.name, SIDECAR);
  assert.equal(pod.status?.initContainerStatuses?.[0]?.ready, true);
  assert.equal((await heap(handle.ip, tokenFor(pod))).status, 200);

  process.kill(handle.pid('app'), 'SIGKILL');
  const failed = await waitFor('phase Failed with the sidecar terminated', async () => {
    const p = await read('web-d');
    return p.status?.phase === 'Failed' && containerStatus(p, SIDECAR).state?.terminated !== undefined ? p : undefined;
  });
  assert.equal(containerStatus(failed, 'app').state?.terminated?.exitCode, 137);
  assert.equal(conditionOf(failed, 'Ready'), 'False');
  assert.equal(handle.alive(SIDECAR), false);
});

function processEnv(pid: number): Record<string, string> {
  const pairs = readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .filter((kv) => kv !== '');
  return Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

test('a container process gets the env the kubelet would build: $(VAR) expansion, downward-API fields and labels, ConfigMap and Secret keys, nothing from the test process', async () => {
  await core.createNamespacedConfigMap({
    namespace: NS,
    body: { metadata: { name: 'app-config' }, data: { LEVEL: 'debug', MODE: 'fast' } },
  });
  await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'app-secret' }, stringData: { password: 's3cret' } } });
  const app: V1Container = {
    ...appContainer(),
    envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'app-config' } }],
    env: [
      ...DOWNWARD_ENV,
      { name: 'GREETING', value: 'hello' },
      { name: 'MESSAGE', value: '$(GREETING) from $(POD_NAME), $$(KEPT) $(UNDEFINED)' },
      { name: 'TEAM', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } } },
      { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'LEVEL' } } },
    ],
  };
  const { handle, pod } = await createAndRun('web-env', { containers: [app], labels: { team: 'payments' } });
  try {
    assert.deepEqual(processEnv(handle.pid('app')), {
      PATH: process.env.PATH,
      HOSTNAME: 'web-env',
      CFG_LEVEL: 'debug',
      CFG_MODE: 'fast',
      POD_NAMESPACE: NS,
      POD_NAME: 'web-env',
      POD_UID: pod.metadata?.uid,
      POD_IP: handle.ip,
      GREETING: 'hello',
      MESSAGE: 'hello from web-env, $(KEPT) $(UNDEFINED)',
      TEAM: 'payments',
      NODE: kubelet.nodeName,
      PASSWORD: 's3cret',
      LEVEL: 'debug',
    });
  } finally {
    await handle.stop();
  }
});

test('an init container runs to completion (Completed, exit 0) and the pod becomes Ready; a failing one fails a restartPolicy Never pod and run() reports its output', async () => {
  const init = (code: number): V1Container => ({
    name: 'migrate',
    image: 'busybox:1.36',
    command: ['sh', '-c', `echo migrating; exit ${code}`],
  });
  const { handle, pod } = await createAndRun('web-init', { initContainers: [init(0)], containers: [appContainer()] });
  const migrate = containerStatus(pod, 'migrate');
  assert.equal(migrate.state?.terminated?.exitCode, 0);
  assert.equal(migrate.state?.terminated?.reason, 'Completed');
  assert.deepEqual(handle.logs('migrate'), ['migrating']);
  assert.equal(conditionOf(pod, 'Initialized'), 'True');
  assert.equal(conditionOf(pod, 'Ready'), 'True');
  await handle.stop();

  await core.createNamespacedPod({
    namespace: NS,
    body: podManifest('web-init-fails', { initContainers: [init(3)], containers: [appContainer()], restartPolicy: 'Never' }),
  });
  await assert.rejects(kubelet.run(NS, 'web-init-fails'), /init container migrate exited with code 3\nmigrating/);
  const failed = await read('web-init-fails');
  assert.equal(failed.status?.phase, 'Failed');
  assert.equal(conditionOf(failed, 'Initialized'), 'False');
  assert.equal(containerStatus(failed, 'app').state?.waiting?.reason, 'PodInitializing');
});

test('deleting the pod stops its processes and the kubelet stand-in completes the graceful deletion', async () => {
  const { handle } = await createAndRun('web-e', withSidecar());
  const pids = [handle.pid('app'), handle.pid(SIDECAR)];
  assert.ok(pids.every(alive));
  await core.deleteNamespacedPod({ namespace: NS, name: 'web-e' });
  await waitFor('the pod to be gone from the API', () =>
    read('web-e').then(
      () => false,
      (err: unknown) => err instanceof ApiException && err.code === 404,
    ),
  );
  assert.deepEqual(pids.filter(alive), [], 'no process of the pod is left');
  await assert.rejects(fetch(`http://${handle.ip}:8081/healthz`), 'nothing listens on the pod IP any more');
});

test('five pods started concurrently get distinct addresses and each serves its own heap profile, only with its own token', async (t) => {
  const names = ['web-f1', 'web-f2', 'web-f3', 'web-f4', 'web-f5'];
  await Promise.all(names.map((name) => core.createNamespacedPod({ namespace: NS, body: podManifest(name, withSidecar()) })));
  const started = Date.now();
  const handles = await Promise.all(names.map((name) => kubelet.run(NS, name)));
  t.diagnostic(`5 pods (10 processes) Running and Ready in ${Date.now() - started} ms`);
  try {
    assert.equal(new Set(handles.map((h) => h.ip)).size, 5);
    const pods = await Promise.all(names.map(read));
    for (const [i, pod] of pods.entries()) {
      assert.equal(pod.status?.podIP, handles[i]!.ip);
      assert.equal(conditionOf(pod, 'Ready'), 'True');
    }
    const replies = await Promise.all(pods.map((pod, i) => heap(handles[i]!.ip, tokenFor(pod))));
    assert.deepEqual(
      replies.map((r) => r.status),
      [200, 200, 200, 200, 200],
    );
    const crossed = await heap(handles[1]!.ip, tokenFor(pods[0]!));
    assert.equal(crossed.status, 403, "pod 1's token at pod 2's sidecar");
  } finally {
    await Promise.all(handles.map((h) => h.stop()));
  }
});

test('a container with no runtime is refused with an error naming it, before the pod is bound or anything starts', async () => {
  await core.createNamespacedPod({
    namespace: NS,
    body: podManifest('web-g', { containers: [{ name: 'web', image: 'nginx:1.27' }, sidecarContainer(keys.jwksFile)] }),
  });
  await assert.rejects(kubelet.run(NS, 'web-g'), /no runtime for container "web" \(image "nginx:1\.27"\)/);
  const pod = await read('web-g');
  assert.equal(pod.spec?.nodeName, undefined);
  assert.equal(pod.status?.phase, 'Pending');
});

test('no container process outlives a SIGKILLed test process (PR_SET_PDEATHSIG), and its pod address is taken over afterwards', async () => {
  await core.createNamespacedPod({ namespace: NS, body: podManifest('web-h', withSidecar()) });
  const hold = {
    server: cp.server,
    caFile: cp.caFile,
    adminToken: cp.adminToken,
    namespace: NS,
    name: 'web-h',
    containers: ['app', SIDECAR],
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/kit/cluster/kubelet-hold.ts'], {
    cwd: REPO,
    env: { ...process.env, PODPROF_HOLD: JSON.stringify(hold) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`kubelet-hold exited with ${code}`)));
  });
  const { ip, pids } = JSON.parse(line) as { ip: string; pids: number[] };
  assert.ok(pids.every(alive));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  await waitFor('the pod processes to die with their parent', () => pids.every((p) => !alive(p)), 5000);
  assert.ok(existsSync(join(tmpdir(), `podprof-podip-${ip}`)), 'the dead owner left its address lock');
  const taken: string[] = [];
  try {
    while (!taken.includes(ip)) taken.push(allocatePodIp());
  } finally {
    taken.forEach(releasePodIp);
  }
  await core.deleteNamespacedPod({ namespace: NS, name: 'web-h', gracePeriodSeconds: 0 });
});
