// Child for the test that SIGKILLs a process holding a real node: starts the
// node, runs one demo-app pod, prints {"dataDir","netns","podUid"} and waits.
import { execFileSync } from 'node:child_process';
import { startControlPlane } from './controlplane.ts';

const cp = await startControlPlane({ node: { images: ['localhost/podprof-pause:dev', 'localhost/podprof-demo-app:dev'] } });
const k = (...args: string[]): string => execFileSync('kubectl', ['--kubeconfig', cp.kubeconfigPath, ...args], { encoding: 'utf8' });
k('run', 'burner', '--image=localhost/podprof-demo-app:dev', '--restart=Never');
k('wait', '--for=condition=Ready', 'pod/burner', '--timeout=120s');
const podUid = k('get', 'pod', 'burner', '-o', 'jsonpath={.metadata.uid}');
process.stdout.write(JSON.stringify({ dataDir: cp.dataDir, netns: cp.node!.addresses.netns, podUid }) + '\n');
await new Promise(() => {});
