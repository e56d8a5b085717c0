// Long-running test cluster for manual work:
//   node --import tsx scripts/cluster.ts up      # prints `export KUBECONFIG=...`
//   node --import tsx scripts/cluster.ts up --node   # … and a real node (kubelet + containerd) with podprof's images
//   node --import tsx scripts/cluster.ts status
//   node --import tsx scripts/cluster.ts down
// State: ${PODPROF_CACHE_DIR:-$HOME/.cache/podprof}/cluster-state.json
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type TestUser } from '../test/kit/cluster/controlplane.ts';
import { nodeAddresses, nodeLayout } from '../test/kit/cluster/node-config.ts';
import { sweepNode } from '../test/kit/cluster/node-sweep.ts';
import { isRunning, killPid } from '../test/kit/cluster/proc.ts';
import { readPidFile, type PidRecord } from '../test/kit/cluster/stale.ts';

interface ClusterState {
  kubeconfigPath: string;
  server: string;
  caFile: string;
  adminToken: string;
  users: Record<string, TestUser>;
  dataDir: string;
  etcdUrl: string;
  processes: PidRecord[];
  /** The real node's index, when started with --node. */
  nodeIndex?: number;
}

const cacheDir = process.env.PODPROF_CACHE_DIR ?? join(homedir(), '.cache', 'podprof');
const stateFile = join(cacheDir, 'cluster-state.json');
const log = (line: string): void => void process.stderr.write(line + '\n');

function readState(): ClusterState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

const allRunning = (s: ClusterState): boolean => s.processes.every((p) => isRunning(p.pid, p.bin));

async function down(): Promise<void> {
  const s = readState();
  if (s === undefined) {
    log(`no cluster state at ${stateFile}`);
    return;
  }
  // The pid file is newer than the state if the apiserver was restarted.
  const procs = readPidFile(s.dataDir)?.processes ?? s.processes;
  for (const p of [...procs].reverse()) {
    log(`stopping ${p.name} (pid ${p.pid})`);
    await killPid(p.pid, p.bin);
  }
  if (s.nodeIndex !== undefined) sweepNode(nodeAddresses(s.nodeIndex), nodeLayout(s.dataDir, s.nodeIndex));
  rmSync(s.dataDir, { recursive: true, force: true });
  rmSync(stateFile, { force: true });
  log(`removed ${s.dataDir}`);
}

async function up(): Promise<void> {
  const existing = readState();
  if (existing !== undefined && allRunning(existing)) {
    log(`already running: ${existing.server}`);
    console.log(`export KUBECONFIG=${existing.kubeconfigPath}`);
    return;
  }
  if (existing !== undefined) await down();
  const withNode = process.argv.includes('--node');
  const cp = await startControlPlane({ detached: true, node: withNode, log: (l) => l.startsWith('[build]') && log(l) });
  const state: ClusterState = {
    kubeconfigPath: cp.kubeconfigPath,
    server: cp.server,
    caFile: cp.caFile,
    adminToken: cp.adminToken,
    users: cp.users,
    dataDir: cp.dataDir,
    etcdUrl: cp.etcdUrl,
    processes: readPidFile(cp.dataDir)?.processes ?? [],
    nodeIndex: cp.node?.addresses.index,
  };
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  log(`kube-apiserver ${cp.server} (logs: ${cp.dataDir}/*.log); stop with: cli.ts down`);
  if (cp.node)
    log(`node ${cp.node.name} Ready at ${cp.node.addresses.nodeIp} (netns ${cp.node.addresses.netns}, logs: ${cp.node.layout.dir}/*.log)`);
  console.log(`export KUBECONFIG=${cp.kubeconfigPath}`);
}

function status(): void {
  const s = readState();
  if (s === undefined) {
    log('not running');
    process.exitCode = 1;
    return;
  }
  for (const p of readPidFile(s.dataDir)?.processes ?? s.processes) {
    const running = isRunning(p.pid, p.bin);
    if (!running) process.exitCode = 1;
    log(`${p.name} pid ${p.pid}: ${running ? 'running' : 'NOT running'}`);
  }
  console.log(`export KUBECONFIG=${s.kubeconfigPath}`);
}

const cmd = process.argv[2];
const commands: Record<string, () => Promise<void> | void> = { up, down, status };
const run = cmd === undefined ? undefined : commands[cmd];
if (run === undefined) {
  log('usage: cli.ts up|down|status');
  process.exit(2);
}
try {
  await run();
  process.exit(process.exitCode ?? 0);
} catch (err) {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
}
