// The real test node's configuration (test/kit/cluster/node-config.ts) carries
// the facts of this machine the node was found to need; each line here names the
// failure that follows when it is dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerdConfig, corefile, kubeletConfig, nodeAddresses, nodeLayout } from '../kit/cluster/node-config.ts';

const a = nodeAddresses(3);
const l = nodeLayout('/tmp/podprof-cp-x', 3);

test('node addresses: one /30 link and one pod /24 per node index, all private, none shared between nodes', () => {
  assert.deepEqual([a.hostIp, a.nodeIp, a.podCidr, a.netns], ['10.200.3.1', '10.200.3.2', '10.244.3.0/24', 'podprof-node3']);
  const all = Array.from({ length: 64 }, (_, i) => nodeAddresses(i));
  assert.equal(new Set(all.map((x) => x.podCidr)).size, 64);
  assert.equal(new Set(all.map((x) => x.netns)).size, 64);
  assert.throws(() => nodeAddresses(64), /out of 0\.\.63/);
  assert.throws(() => nodeAddresses(-1), /out of 0\.\.63/);
});

test('the kubelet runs on cgroup v1 with cgroupfs under the node’s own cgroup root, OOM score 0, and CoreDNS on the node address', () => {
  const k = kubeletConfig(a, l, '/ca.crt', 10248);
  assert.equal(k.failCgroupV1, false, 'kubelet 1.36 refuses cgroup v1 otherwise');
  assert.equal(k.cgroupDriver, 'cgroupfs');
  assert.equal(k.cgroupRoot, '/podprof-node3', 'pods of two nodes never share cgroups, and the sweep finds them');
  assert.equal(k.oomScoreAdj, 0, 'lowering an OOM score needs CAP_SYS_RESOURCE');
  assert.deepEqual(k.clusterDNS, [a.nodeIp]);
  assert.deepEqual((k.authentication as { anonymous: unknown }).anonymous, { enabled: false });
  assert.equal((k.authorization as { mode: string }).mode, 'Webhook');
  assert.equal(k.readOnlyPort, 0);
});

test('containerd restricts OOM scores, keeps pod namespaces under its state dir, uses runc with cgroupfs and the local pause image', () => {
  const c = containerdConfig(l, '/usr/sbin/runc');
  assert.match(c, /restrict_oom_score_adj = true/, "else runc fails the sandbox: can't get final child's PID from pipe: EOF");
  assert.match(c, /netns_mounts_under_state_dir = true/);
  assert.match(c, /SystemdCgroup = false/);
  assert.match(c, /BinaryName = "\/usr\/sbin\/runc"/);
  assert.match(c, /sandbox = "localhost\/podprof-pause:dev"/);
  assert.ok(c.includes(`address = "${l.containerdSocket}"`));
});

test('CoreDNS answers cluster names only: no forward plugin, bound to the node address', () => {
  const f = corefile(a, '/kc');
  assert.match(f, /bind 10\.200\.3\.2/);
  assert.match(f, /kubernetes cluster\.local/);
  assert.doesNotMatch(f, /forward/);
});
