// End to end through the real API server: a pod created with podprof.io/inject
// is stored injected by the webhook, the kubelet stand-in runs what was stored
// (the Go fixture as the app, `podprof sidecar` from the injected container's
// args and env, downward API included), and the sidecar serves a profile to a
// token bound to that pod. Needs `npm run build`. One cluster for the file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ProcessKubelet } from '../kit/cluster/kubelet.ts';
import { bearer, httpsRequest } from '../kit/http.ts';
import { mint } from '../kit/sidecar.ts';
import { assertInjected, deploymentPod, restrictedApp, SIDECAR, startWebhookCluster, type WebhookCluster } from '../kit/webhook-cluster.ts';

const RESTRICTED = 'shop';
const INJECT = { 'podprof.io/inject': 'true' };
let c: WebhookCluster;

before(async () => {
  c = await startWebhookCluster();
  await c.core.createNamespace({ body: { metadata: { name: RESTRICTED, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } });
});

after(async () => {
  await c?.close();
});

function argvOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
}

test('end to end: the kubelet stand-in runs a stored injected pod, the app on its podprof.io/port, and the sidecar built from the injected spec serves the heap profile to a token for that pod only', async () => {
  const kubelet = new ProcessKubelet({ cp: c.cp });
  try {
    const body = deploymentPod('e2e', { annotations: { ...INJECT, 'podprof.io/port': '7070' }, containers: [restrictedApp(7070)] });
    const created = await c.core.createNamespacedPod({ namespace: RESTRICTED, body });
    assertInjected(created);
    const name = created.metadata?.name ?? '';
    const handle = await kubelet.run(RESTRICTED, name);
    const pod = await c.core.readNamespacedPod({ namespace: RESTRICTED, name });
    assert.equal(pod.status?.phase, 'Running');
    assert.equal(pod.status?.initContainerStatuses?.[0]?.ready, true, 'the native sidecar is ready');

    assert.equal((await fetch(`http://${handle.ip}:7070/debug/pprof/`)).status, 200, 'the app serves pprof on the annotated port');
    const sidecarArgv = argvOf(handle.pid(SIDECAR));
    assert.ok(sidecarArgv.includes(`http://${handle.ip}:7070`), `the upstream follows podprof.io/port: ${sidecarArgv.join(' ')}`);
    assert.ok(!sidecarArgv.some((a) => a.startsWith('--jwks-file')), 'no key file: the keys come from the inline PODPROF_JWKS');

    const grant = { namespace: RESTRICTED, pod: name, uid: pod.metadata?.uid ?? '' };
    const heap = await httpsRequest(`https://${handle.ip}:8443/debug/pprof/heap`, { headers: bearer(mint(c.keys, 'heap', grant)) });
    assert.equal(heap.status, 200, heap.text);
    assert.deepEqual([...heap.body.subarray(0, 2)], [0x1f, 0x8b], 'a gzipped pprof profile');
    const otherUid = await httpsRequest(`https://${handle.ip}:8443/debug/pprof/heap`, { headers: bearer(mint(c.keys, 'heap', { ...grant, uid: '00000000-0000-4000-8000-000000000000' })) });
    assert.equal(otherUid.status, 403, otherUid.text);
  } finally {
    await kubelet.stopAll();
  }
});
