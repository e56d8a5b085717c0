// How a capture's target reads in messages and lists: "team-a/web-0",
// "team-a -l app=web", "team-a deployment/web", "team-a upload before.pb.gz". Pure.
import type { CaptureTarget } from './types.ts';

export function describeTarget(namespace: string, t: CaptureTarget): string {
  if (t.pod !== undefined) return `${namespace}/${t.pod}`;
  if (t.selector !== undefined) return `${namespace} -l ${t.selector}`;
  if (t.upload !== undefined) return `${namespace} upload ${t.upload}`;
  return `${namespace} ${t.workload?.kind.toLowerCase() ?? '?'}/${t.workload?.name ?? '?'}`;
}

/** A short name of the target for file names and pickers: the pod, the workload, the uploaded file, or the selector. */
export function targetName(t: CaptureTarget): string {
  return t.pod ?? t.workload?.name ?? t.upload ?? t.selector ?? '';
}
