// Outlives a test process that is killed with its node still up: containerd's
// shims and the pods (a Go app burning CPU, say) are not children of the test
// process, so no parent-death signal reaches them. node.ts starts this in its
// own session; it polls the owner and, once the owner is gone, sweeps the node
// (node-sweep.ts) and exits. A node stopped normally kills it first.
//   node --import tsx node-reaper.ts OWNER_PID NODE_INDEX DATA_DIR
import { nodeAddresses, nodeLayout } from './node-config.ts';
import { sweepNode } from './node-sweep.ts';
import { pidExists } from './proc.ts';

const [owner, index, dataDir] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4] ?? ''];
if (!Number.isInteger(owner) || !Number.isInteger(index) || dataDir === '') {
  process.stderr.write('usage: node-reaper.ts OWNER_PID NODE_INDEX DATA_DIR\n');
  process.exit(2);
}

process.on('SIGTERM', () => process.exit(0));
const timer = setInterval(() => {
  if (pidExists(owner)) return;
  clearInterval(timer);
  sweepNode(nodeAddresses(index), nodeLayout(dataDir, index));
  process.exit(0);
}, 500);
