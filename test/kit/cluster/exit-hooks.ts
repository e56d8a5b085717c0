// Kill attached child processes (and remove their data dirs) when this Node
// process exits: normal exit, uncaught exception, SIGINT/SIGTERM/SIGHUP.
//
// Limitation: a SIGKILLed parent runs no handler. For that case children are
// spawned through `setpriv --pdeathsig SIGKILL` when available (see proc.ts), and
// cleanupStale() (stale.ts) kills leftovers of crashed runs via their pid files.
import { rmSync } from 'node:fs';

interface Entry {
  killNow(): void;
  dir?: string;
}

const entries = new Set<Entry>();
let installed = false;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function runAll(): void {
  for (const e of entries) {
    try {
      e.killNow();
    } catch {
      /* already gone */
    }
  }
  for (const e of entries) {
    if (e.dir !== undefined) rmSync(e.dir, { recursive: true, force: true });
  }
  entries.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  runAll();
  // If nobody else handles this signal, re-raise it with the default action so
  // the process still dies with the usual status.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const sig of SIGNALS) process.once(sig, onSignal);
}

/** Registers a synchronous kill (and optional directory removal); returns an unregister function. */
export function killOnExit(killNow: () => void, dir?: string): () => void {
  install();
  const entry: Entry = { killNow, dir };
  entries.add(entry);
  return () => {
    entries.delete(entry);
  };
}
