// Manual check of the real node: starts it, runs one pod, prints what happened.
//   node --import tsx test/kit/cluster/node-smoke.ts
import { execFileSync } from 'node:child_process';
import { startControlPlane } from './controlplane.ts';

const t0 = Date.now();
const cp = await startControlPlane({ node: true, log: (l) => { if (/^\[(build|kubelet|containerd)\]/.test(l) && /error|fail|E\d{4}/i.test(l)) console.error(l.slice(0, 300)); } });
console.log(`node up in ${Date.now() - t0} ms; KUBECONFIG=${cp.kubeconfigPath}`);
const k = (...args: string[]): string => execFileSync('kubectl', ['--kubeconfig', cp.kubeconfigPath, ...args], { encoding: 'utf8' });
try {
  console.log(k('get', 'nodes', '-o', 'wide'));
  k('run', 'demo', '--image=localhost/podprof-demo-app:dev', '--restart=Never');
  console.log(k('wait', '--for=condition=Ready', 'pod/demo', '--timeout=90s'));
  console.log(k('get', 'pods', '-o', 'wide'));
} catch (err) {
  console.error(String(err));
  console.error(k('describe', 'pod', 'demo'));
} finally {
  if (!process.argv.includes('--keep')) await cp.stop();
  else { console.log('kept; ctrl-c to stop'); await new Promise(() => {}); }
}
