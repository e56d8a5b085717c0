// Child process for the "nothing outlives the test process" check: runs one
// stored pod with ProcessKubelet against an existing control plane, prints
// {"ip":…,"pids":[…]} on stdout, then idles until it is killed.
// Env: PODPROF_HOLD = JSON { server, caFile, adminToken, namespace, name, containers }.
import { ProcessKubelet } from './kubelet.ts';

interface HoldInput {
  server: string;
  caFile: string;
  adminToken: string;
  namespace: string;
  name: string;
  containers: string[];
}

const input = JSON.parse(process.env.PODPROF_HOLD ?? '{}') as HoldInput;
const kubelet = new ProcessKubelet({ cp: input });
const pod = await kubelet.run(input.namespace, input.name);
process.stdout.write(`${JSON.stringify({ ip: pod.ip, pids: input.containers.map((c) => pod.pid(c)) })}\n`);
setInterval(() => {}, 1 << 30);
