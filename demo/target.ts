// The demo's app: the Go program from demo/go-app (real net/http/pprof,
// built with the machine's Go and cached) when Go is on PATH, else a Node app
// serving real V8 profiles in pprof format (node-target.ts). PODPROF_DEMO_TARGET
// (or the `kind` option) forces one: go, node or auto (the default).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { startGoTarget } from './go-target.ts';

export interface DemoTarget {
  readonly url: string;
  /** Which app runs: the Go fixture (every Go profile) or the Node app (profile, heap, cmdline, symbol). */
  readonly kind: 'go' | 'node';
  stop(): Promise<void>;
}

export const DEMO_TARGET_KINDS = ['auto', 'go', 'node'] as const;
export type DemoTargetKind = (typeof DEMO_TARGET_KINDS)[number];

export interface DemoTargetOptions {
  /** Defaults to $PODPROF_DEMO_TARGET, then auto. */
  readonly kind?: DemoTargetKind;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether the `go` the Go fixture would run ($GO, else go on PATH) exists. */
export function goOnPath(env: NodeJS.ProcessEnv = process.env): boolean {
  const go = env.GO ?? 'go';
  if (go.includes('/')) return executable(go);
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(dir, go)));
}

function kindFromEnv(): DemoTargetKind {
  const raw = (process.env.PODPROF_DEMO_TARGET ?? '').trim().toLowerCase();
  if (raw === '') return 'auto';
  if ((DEMO_TARGET_KINDS as readonly string[]).includes(raw)) return raw as DemoTargetKind;
  throw new Error(`PODPROF_DEMO_TARGET=${process.env.PODPROF_DEMO_TARGET}: want one of ${DEMO_TARGET_KINDS.join(', ')}`);
}

async function startGo(): Promise<DemoTarget> {
  try {
    const go = await startGoTarget({ listen: '127.0.0.1:0' });
    return { url: go.url, kind: 'go', stop: () => go.stop() };
  } catch (err) {
    throw new Error(`the Go demo app needs Go on PATH to build it: ${(err as Error).message.split('\n')[0] ?? ''}`, { cause: err });
  }
}

async function startNode(): Promise<DemoTarget> {
  // Imported dynamically so the bundle keeps node-target.ts as its own chunk (see there).
  const { startNodeTarget } = await import('./node-target.ts');
  const node = await startNodeTarget();
  return { url: node.url, kind: 'node', stop: () => node.stop() };
}

export async function startDemoTarget(opts: DemoTargetOptions = {}): Promise<DemoTarget> {
  const kind = opts.kind ?? kindFromEnv();
  if (kind === 'node') return startNode();
  if (kind === 'go') return startGo();
  if (!goOnPath()) return startNode();
  try {
    return await startGo();
  } catch (err) {
    process.stderr.write(`podprof demo: ${(err as Error).message}; using the Node demo app instead\n`);
    return startNode();
  }
}
