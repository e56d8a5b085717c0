// Locates (building if needed) the kube-apiserver and etcd binaries via scripts/cluster/build.sh,
// and with { node: true } the node's binaries too (nodeBinaries(binDir) names them).
// A cache hit takes milliseconds; a cold build takes many minutes (scripts/cluster/BUILD-NOTES.md).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Binaries {
  binDir: string;
  kubeApiServer: string;
  etcd: string;
}

/** What a real node adds (build.sh --node): kubelet, the other control-plane components, containerd, CoreDNS. */
export const NODE_BINARIES = [
  'kubelet',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-proxy',
  'containerd',
  'containerd-shim-runc-v2',
  'ctr',
  'coredns',
] as const;
export type NodeBinaries = Record<(typeof NODE_BINARIES)[number], string>;

const BUILD_SH = fileURLToPath(new URL('../../../scripts/cluster/build.sh', import.meta.url));

export function findBinaries(log?: (line: string) => void, opts: { node?: boolean } = {}): Promise<Binaries> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_SH, ...(opts.node ? ['--node'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    const err: string[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => out.push(l));
    createInterface({ input: child.stderr }).on('line', (l) => {
      err.push(l);
      if (err.length > 50) err.shift();
      log?.(`[build] ${l}`);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const binDir = out.at(-1);
      if (code !== 0 || binDir === undefined) {
        reject(new Error(`${BUILD_SH} failed (exit ${code}):\n${err.join('\n')}`));
        return;
      }
      resolve({ binDir, kubeApiServer: join(binDir, 'kube-apiserver'), etcd: join(binDir, 'etcd') });
    });
  });
}

export function nodeBinaries(binDir: string): NodeBinaries {
  return Object.fromEntries(NODE_BINARIES.map((b) => [b, join(binDir, b)])) as NodeBinaries;
}
