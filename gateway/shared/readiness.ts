// What /readyz says for the gateway: ready only when nothing is missing, and
// otherwise each missing part with its reason (JSON), so an operator reading a
// replica's probe sees why it takes no traffic. Pure but for storeProblem: the checks come in.
import type { ObjectStore } from './object-store.ts';

export interface ReadinessFacts {
  /** Why the shared store does not answer; undefined when it does. */
  readonly store?: string;
  /** Why the shared session key is not loaded; undefined when it is. */
  readonly sessionKey?: string;
  /** Discovery has listed its targets once (kubernetes: the API server answered). */
  readonly synced: boolean;
  readonly discovery: string;
  /** Where the sidecar CA came from; "memory (…)" means it could not be kept. */
  readonly sidecarCa: string;
  readonly targets: number;
  readonly storeDescribe: string;
}

export function gatewayReadiness(f: ReadinessFacts): { ok: boolean; json: unknown } {
  const missing: Record<string, string> = {};
  if (f.store !== undefined) missing.store = `${f.storeDescribe}: ${f.store}`;
  if (f.sessionKey !== undefined) missing.sessionKey = f.sessionKey;
  if (!f.synced)
    missing.discovery =
      f.discovery === 'kubernetes' ? 'the pod informer has not synced: is the API server reachable?' : 'the targets file has not been read';
  if (f.sidecarCa.startsWith('memory'))
    missing.sidecarCa = `the sidecar CA could not be kept, so it differs per process: ${f.sidecarCa}; give --sidecar-ca-file and --sidecar-ca-key-file`;
  const ok = Object.keys(missing).length === 0;
  return { ok, json: { ready: ok, targets: f.targets, store: f.storeDescribe, ...(ok ? {} : { missing }) } };
}

/** Why the store does not answer a read, or undefined. */
export async function storeProblem(store: ObjectStore): Promise<string | undefined> {
  try {
    await store.ping();
    await store.get('keys/probe');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
