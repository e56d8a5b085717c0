// Static discovery: targets from a JSON file (the demo, or clusters the gateway
// cannot watch). Reloaded when the file changes.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from '../../src/log.ts';
import { DEFAULT_PROFILES, isProfileType, type ProfileType } from '../../src/endpoints/catalog.ts';
import type { Target } from '../pods/targets.ts';
import type { TargetRegistry } from './registry.ts';

type Entry = Partial<Omit<Target, 'profiles'>> & { profiles?: string[] };

function targetOf(e: Entry, i: number): Target {
  for (const k of ['namespace', 'name', 'uid', 'ip'] as const) {
    if (typeof e[k] !== 'string' || e[k] === '') throw new Error(`target ${i}: "${k}" is required`);
  }
  const profiles = (e.profiles ?? DEFAULT_PROFILES).filter((p): p is ProfileType => isProfileType(p));
  return {
    namespace: e.namespace!,
    name: e.name!,
    uid: e.uid!,
    ip: e.ip!,
    port: e.port ?? 8443,
    path: e.path ?? '/debug/pprof',
    node: e.node ?? '',
    container: e.container ?? 'app',
    profiles,
    maxSeconds: e.maxSeconds ?? 60,
    flightRecorder: e.flightRecorder,
    goVersion: e.goVersion,
    mainModule: e.mainModule,
    labels: e.labels ?? {},
    workload: e.workload,
    podReady: e.podReady ?? true,
    sidecarReady: e.sidecarReady ?? true,
    phase: e.phase ?? 'Running',
  };
}

export function readTargetsFile(path: string): Target[] {
  const doc: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(doc)) throw new Error(`${path}: want a JSON array of targets`);
  return (doc as Entry[]).map(targetOf);
}

export function startStaticDiscovery(path: string, registry: TargetRegistry, log: Logger): () => void {
  registry.replaceAll(readTargetsFile(path));
  registry.synced = true;
  const reload = (): void => {
    try {
      registry.replaceAll(readTargetsFile(path));
      log.info({ targets: registry.size }, 'targets file reloaded');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'targets file reload failed; keeping the previous targets');
    }
  };
  watchFile(path, { interval: 1000, persistent: false }, reload);
  return () => unwatchFile(path, reload);
}
