// The watch the gateway's pod informer stands on, with a real kubelet: a watch
// opened before a pod exists sees it ADDED (Pending, no IP), then MODIFIED to
// Running and Ready with its IP in the node's pod network, bound to the node.
// One control plane and real node (test/kit/cluster/node.ts) for the file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api, KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../kit/cluster/controlplane.ts';
import { waitFor } from '../kit/cluster/http.ts';

const NS = 'watch';
let cp: ControlPlane;
let kc: KubeConfig;
let core: CoreV1Api;

before(async () => {
  cp = await startControlPlane({ node: { images: ['localhost/podprof-pause:dev', 'localhost/podprof-demo-app:dev'] } });
  kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  core = kc.makeApiClient(CoreV1Api);
});

after(async () => {
  await cp?.stop();
});

const ready = (pod: V1Pod): boolean => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

test('a watch opened before a pod exists sees it ADDED, then MODIFIED to Running and Ready with its IP in the node’s pod network once the real kubelet runs it', async () => {
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await waitFor('the namespace’s default ServiceAccount', () => core.readNamespacedServiceAccount({ namespace: NS, name: 'default' }));
  const events: Array<{ type: string; pod: V1Pod }> = [];
  const watch = await new Watch(kc).watch(
    `/api/v1/namespaces/${NS}/pods`,
    {},
    (type: string, pod: V1Pod) => void events.push({ type, pod }),
    () => {},
  );
  try {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'web' },
        spec: {
          containers: [{ name: 'app', image: 'localhost/podprof-demo-app:dev', args: ['-workload=false'] }],
          terminationGracePeriodSeconds: 5,
        },
      },
    });
    const running = await waitFor(
      'a MODIFIED event with phase Running, Ready and a pod IP',
      () => events.find((e) => e.type === 'MODIFIED' && e.pod.status?.phase === 'Running' && e.pod.status.podIP && ready(e.pod)),
      120_000,
    );
    const subnet = cp.node!.addresses.podCidr.replace(/0\/24$/, '');
    assert.ok(running.pod.status?.podIP?.startsWith(subnet), `${running.pod.status?.podIP} in ${cp.node!.addresses.podCidr}`);
    assert.notEqual(running.pod.status?.podIP, cp.node!.addresses.podGateway);
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[0]?.pod.status?.phase, 'Pending');
    assert.equal(events[0]?.pod.status?.podIP, undefined);
    assert.ok(events.indexOf(running) > 0);
    assert.equal(running.pod.spec?.nodeName, cp.node!.name);
  } finally {
    watch.abort();
  }
});
