// Manual end-to-end check of the control-plane harness (not a *.test.ts, so
// `npm test` does not pick it up). Run: npx tsx test/kit/cluster/smoke.ts
//  1. start, kubectl as admin and as test users, pod without kubelet
//  2. restartApiServer keeps data and port
//  3. stop leaves no process and no data dir
//  4. a test process killed by SIGTERM / SIGKILL takes its children with it
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startControlPlane, type ControlPlane } from './controlplane.ts';
import { sleep } from './http.ts';
import { cleanupStale } from './stale.ts';

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !/\) Z /.test(safeStat(pid));
function safeStat(pid: number): string {
  try {
    return execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return ') Z ';
  }
}
function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`FAILED: ${what}`);
  console.log(`ok - ${what}`);
}
function kubectl(cp: ControlPlane, ...args: string[]): string {
  const opts = { encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[] };
  return execFileSync('kubectl', ['--kubeconfig', cp.kubeconfigPath, ...args], opts).trim();
}
function canI(cp: ControlPlane, user: string, ns: string): string {
  try {
    return kubectl(cp, '--context', user, 'auth', 'can-i', 'list', 'pods', '-n', ns);
  } catch (err) {
    return String((err as { stdout?: unknown }).stdout).trim(); // exit 1 means "no"
  }
}

async function waitGone(pids: number[], ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (pids.some(alive) && Date.now() < end) await sleep(100);
  return !pids.some(alive);
}

async function mainFlow(): Promise<void> {
  let t = Date.now();
  const cp = await startControlPlane();
  console.log(`started in ${Date.now() - t} ms: ${cp.server}`);
  kubectl(cp, 'get', 'pods', '-A');
  kubectl(cp, 'create', 'namespace', 'smoke');
  kubectl(cp, 'run', 'p1', '--image=x', '-n', 'smoke');
  check(kubectl(cp, 'get', 'pod', 'p1', '-n', 'smoke', '-o', 'jsonpath={.status.phase}') === 'Pending', 'pod created, Pending');
  check(canI(cp, 'alice', 'smoke') === 'no', 'alice cannot list pods before a binding');
  kubectl(cp, 'create', 'role', 'r', '--verb=list', '--resource=pods', '-n', 'smoke');
  kubectl(cp, 'create', 'rolebinding', 'rb', '--role=r', '--group=team-a', '-n', 'smoke');
  check(canI(cp, 'alice', 'smoke') === 'yes', 'alice (team-a) can list pods via group binding');
  check(canI(cp, 'bob', 'smoke') === 'no', 'bob (team-b) cannot');
  const groups = kubectl(cp, '--context', 'carol', 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.groups}');
  check(groups === '["system:authenticated"]', `carol has no extra groups (${groups})`);

  const before = cp.pids();
  t = Date.now();
  await cp.restartApiServer();
  console.log(`apiserver restarted in ${Date.now() - t} ms`);
  check(cp.pids().kubeApiServer !== before.kubeApiServer && !alive(before.kubeApiServer), 'new apiserver process');
  check(kubectl(cp, 'get', 'pod', 'p1', '-n', 'smoke', '-o', 'name') === 'pod/p1', 'data survives restart');

  const pids = Object.values(cp.pids());
  t = Date.now();
  await cp.stop();
  console.log(`stopped in ${Date.now() - t} ms`);
  check(await waitGone(pids, 1000), 'no process left after stop()');
  check(!existsSync(cp.dataDir), 'data dir removed');
}

/** Child mode: start, report pids + dataDir on stdout, then idle until killed. */
async function hold(): Promise<void> {
  const cp = await startControlPlane();
  console.log(JSON.stringify({ pids: Object.values(cp.pids()), dataDir: cp.dataDir }));
  setInterval(() => {}, 1 << 30);
}

async function parentDeath(signal: NodeJS.Signals): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--hold'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  const { pids, dataDir } = JSON.parse(line) as { pids: number[]; dataDir: string };
  child.kill(signal);
  check(await waitGone(pids, 5000), `children die with a ${signal}ed test process`);
  if (signal === 'SIGKILL') {
    check(existsSync(dataDir), 'SIGKILL leaves the data dir behind');
    await cleanupStale();
  }
  check(!existsSync(dataDir), `data dir gone after ${signal}${signal === 'SIGKILL' ? ' + cleanupStale()' : ''}`);
}

if (process.argv.includes('--hold')) {
  await hold();
} else {
  await mainFlow();
  await parentDeath('SIGTERM');
  await parentDeath('SIGKILL');
  console.log('smoke: all ok');
}
