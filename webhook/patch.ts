// The admission patch is the diff between the pod and the injected pod
// (fast-json-patch compare): JSON-pointer escaping is the library's job, and
// managedFields, which may be large and is not ours, is left out of both sides.
import fastJsonPatch from 'fast-json-patch';
import type { Pod } from '../src/k8s/types.ts';

export type JsonPatch = ReturnType<typeof fastJsonPatch.compare>;

function withoutManagedFields(pod: Pod): Pod {
  if (pod.metadata?.managedFields === undefined) return pod;
  const { managedFields: _ignored, ...metadata } = pod.metadata;
  return { ...pod, metadata };
}

export function diffPatch(before: Pod, after: Pod): JsonPatch {
  return fastJsonPatch.compare(withoutManagedFields(before), withoutManagedFields(after));
}

export function applyPatch(pod: Pod, patch: JsonPatch): Pod {
  return fastJsonPatch.applyPatch(structuredClone(pod), patch, true, false).newDocument;
}
