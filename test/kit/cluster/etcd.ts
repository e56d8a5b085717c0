// Single-member etcd on loopback for tests.
import { join } from 'node:path';
import { httpGet, pollUntil } from './http.ts';
import { spawnManaged, type ManagedProcess } from './proc.ts';

export interface EtcdConfig {
  bin: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  detached?: boolean;
  log?: (line: string) => void;
  timeoutMs?: number;
}

export function etcdUrl(c: Pick<EtcdConfig, 'clientPort'>): string {
  return `http://127.0.0.1:${c.clientPort}`;
}

export function etcdArgs(c: EtcdConfig): string[] {
  const client = etcdUrl(c);
  const peer = `http://127.0.0.1:${c.peerPort}`;
  return [
    '--name=default',
    `--data-dir=${join(c.dataDir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    '--initial-cluster-state=new',
    // Tests throw the data away: skip fsync (much faster on slow disks).
    '--unsafe-no-fsync=true',
    // 2 GiB backend quota (etcd's default) stated explicitly; tests are small.
    '--quota-backend-bytes=2147483648',
    '--log-level=warn',
  ];
}

export async function startEtcd(c: EtcdConfig): Promise<ManagedProcess> {
  const proc = spawnManaged({
    name: 'etcd',
    bin: c.bin,
    args: etcdArgs(c),
    detached: c.detached,
    logFile: join(c.dataDir, 'etcd.log'),
    log: c.log,
  });
  const url = `${etcdUrl(c)}/health`;
  try {
    await pollUntil({
      probe: async () => (await httpGet(url, { timeoutMs: 2000 })).body.includes('"health":"true"'),
      timeoutMs: c.timeoutMs ?? 30_000,
      abort: () => {
        const info = proc.exitInfo();
        return info === undefined ? undefined : new Error(`${info}\n--- etcd log tail ---\n${proc.logTail()}`);
      },
      describe: (last) => `etcd not healthy at ${url}: ${last}\n--- etcd log tail ---\n${proc.logTail()}`,
    });
  } catch (err) {
    await proc.stop(2000);
    throw err;
  }
  return proc;
}
