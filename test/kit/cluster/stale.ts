// Pid files in control-plane data dirs, and cleanupStale() for leftovers of
// crashed runs (e.g. a test process that was SIGKILLed on a machine without setpriv).
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountsUnder } from './node-sweep.ts';
import { killPid, pidExists } from './proc.ts';

export const DATA_DIR_PREFIX = 'podprof-cp-';
const PID_FILE = 'podprof-controlplane.json';

export interface PidRecord {
  name: string;
  pid: number;
  bin: string;
}

export interface PidFile {
  /** The Node process that owns the processes; null for detached (cli `up`) clusters. */
  ownerPid: number | null;
  processes: PidRecord[];
}

export function writePidFile(dataDir: string, data: PidFile): void {
  const tmp = join(dataDir, `${PID_FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(data, null, 2));
  renameSync(tmp, join(dataDir, PID_FILE));
}

export function readPidFile(dataDir: string): PidFile | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, PID_FILE), 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
}

/**
 * Kills processes recorded in ${tmpdir}/podprof-cp-* data dirs whose owner
 * process is gone, and removes those dirs. Detached clusters are left alone.
 * Processes are only killed if /proc/<pid>/cmdline still names the recorded binary.
 */
export async function cleanupStale(log?: (line: string) => void): Promise<void> {
  const base = tmpdir();
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(DATA_DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(base, name);
    const pf = readPidFile(dir);
    if (pf === undefined) {
      // Crashed before writing the pid file: only remove if clearly old.
      const st = statSync(dir, { throwIfNoEntry: false });
      if (st !== undefined && Date.now() - st.mtimeMs > 10 * 60_000) rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (pf.ownerPid === null || pf.ownerPid === process.pid || pidExists(pf.ownerPid)) continue;
    for (const p of [...pf.processes].reverse()) {
      log?.(`cleanupStale: stopping leftover ${p.name} pid ${p.pid} from ${dir}`);
      await killPid(p.pid, p.bin, 2000);
    }
    // A dead owner's node is torn down by its own sweep (node-reaper.ts), which unmounts the node's
    // volumes first; removing the dir around those mounts fails with EBUSY. Its sweep, or the next
    // cleanup, removes it.
    if (mountsUnder(dir).length > 0) {
      log?.(`cleanupStale: ${dir} still has mounts (its node is being swept); left for later`);
      continue;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
