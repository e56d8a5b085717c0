// Turns the pods' answers into the stored capture: the single pod's profile as
// is, or every pod's profile under pods/ plus one merged profile whose samples
// carry pod=<name>; a trace as trace.out. Decides done / partial / failed.
import { decodeProfile } from '../../src/profile/decode.ts';
import { encodeProfile } from '../../src/profile/encode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { namedTotals } from '../../src/profile/values.ts';
import { mergeProfiles, type MergeInput } from '../../src/profile/merge.ts';
import { failPod } from './fanout.ts';
import type { CaptureWriter } from './store.ts';
import type { CaptureMeta, PodResult } from '../../src/api/types.ts';
import { isFanOut } from './types.ts';

export const PROFILE_FILE = 'profile.pb.gz';
export const TRACE_FILE = 'trace.out';
const gunzip = nodeGunzip();

/** pods/<name>.pb.gz, with anything outside a DNS name replaced. */
export function podFile(pod: string): string {
  return `pods/${pod.replace(/[^a-z0-9.-]/g, '_').replace(/^\./, '_')}.pb.gz`;
}

function finalStatus(meta: CaptureMeta): void {
  const ok = meta.pods.filter((p) => p.status === 'ok').length;
  if (meta.file !== undefined) {
    meta.status = ok === meta.pods.length ? 'done' : 'partial';
    return;
  }
  meta.status = 'failed';
  if (meta.error === undefined) {
    const first = meta.pods.find((p) => p.error !== undefined);
    meta.error = meta.pods.length === 1 ? `${first?.pod ?? 'the pod'}: ${first?.error ?? 'failed'}` : `every pod failed; first: ${first?.pod ?? '?'}: ${first?.error ?? 'failed'}`;
  }
}

async function storeSingle(w: CaptureWriter, body: Buffer, r: PodResult): Promise<void> {
  const { meta } = w;
  if (meta.type === 'trace') {
    await w.write(TRACE_FILE, body);
    meta.file = TRACE_FILE;
    return;
  }
  try {
    meta.totals = namedTotals(await decodeProfile(body, gunzip, `the profile of ${meta.namespace}/${r.pod}`));
  } catch (err) {
    failPod(r, err);
    return;
  }
  await w.write(PROFILE_FILE, body);
  meta.file = PROFILE_FILE;
}

async function storeMerged(w: CaptureWriter, bodies: ReadonlyMap<string, Buffer>): Promise<void> {
  const { meta } = w;
  const inputs: MergeInput[] = [];
  for (const r of meta.pods) {
    const body = bodies.get(r.pod);
    if (r.status !== 'ok' || body === undefined) continue;
    try {
      inputs.push({ profile: await decodeProfile(body, gunzip, `the profile of ${meta.namespace}/${r.pod}`), labels: { pod: r.pod }, name: `${meta.namespace}/${r.pod}` });
    } catch (err) {
      failPod(r, err);
      continue;
    }
    r.file = podFile(r.pod);
    await w.write(r.file, body);
  }
  if (inputs.length === 0) return;
  try {
    const merged = mergeProfiles(inputs);
    await w.write(PROFILE_FILE, encodeProfile(merged));
    meta.file = PROFILE_FILE;
    meta.totals = namedTotals(merged);
  } catch (err) {
    // The pods' own profiles stay downloadable; there is just no merged one.
    meta.error = `merging the profiles failed: ${(err as Error).message}`;
  }
}

/** Writes the capture's files into the writer's temp dir and settles its status; commit() publishes them. */
export async function assemble(w: CaptureWriter, bodies: ReadonlyMap<string, Buffer>): Promise<void> {
  const { meta } = w;
  if (!isFanOut(meta.target)) {
    const r = meta.pods[0];
    const body = r ? bodies.get(r.pod) : undefined;
    if (r && body && r.status === 'ok') await storeSingle(w, body, r);
  } else {
    await storeMerged(w, bodies);
  }
  finalStatus(meta);
  meta.finishedAt = new Date().toISOString();
}
