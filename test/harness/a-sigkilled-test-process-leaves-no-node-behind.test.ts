// A test process killed with SIGKILL while it holds a real node (node.ts) runs
// no exit hook, and containerd's shims and the pods are not its children: the
// node's reaper must still stop every pod (here a demo app burning CPU), the
// shims, the kubelet and containerd, and remove the node's namespace, cgroups and mounts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { processesNaming } from '../kit/cluster/node-sweep.ts';
import { eventually } from '../kit/cluster/real-node.ts';

const REPO = new URL('../../', import.meta.url).pathname;

/** Running, not a zombie waiting for init to reap it (it burns nothing). */
function live(pid: string): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('SIGKILL of the process holding a real node leaves no pod, shim, kubelet, containerd, namespace or cgroup behind', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/kit/cluster/node-hold.ts'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const held = await new Promise<{ dataDir: string; netns: string; podUid: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`node-hold exited ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) =>
      resolve(JSON.parse(line) as { dataDir: string; netns: string; podUid: string }),
    );
  });
  const cgroup = `/sys/fs/cgroup/pids/${held.netns}`;
  const [podCgroup] = readdirSync(`${cgroup}/kubepods/besteffort`).filter((d) => d.includes(held.podUid));
  assert.ok(podCgroup, 'the pod runs under the node’s cgroup');
  const podPids = readdirSync(`${cgroup}/kubepods/besteffort/${podCgroup}`, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) =>
      readFileSync(`${cgroup}/kubepods/besteffort/${podCgroup}/${e.name}/cgroup.procs`, 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
  assert.ok(podPids.length >= 2, `the pod's sandbox and app run: ${podPids.join(' ')}`);
  assert.ok(processesNaming(`${held.dataDir}/node`).length >= 3, 'kubelet, containerd, shims, … run');

  child.kill('SIGKILL');
  await eventually(
    'nothing of the node is left',
    () => {
      const left = processesNaming(`${held.dataDir}/node`);
      return Promise.resolve(
        left.length === 0 && !podPids.some(live) && !existsSync(`/run/netns/${held.netns}`) && !existsSync(cgroup) ? true : undefined,
      );
    },
    60_000,
  );
});
