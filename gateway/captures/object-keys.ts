// Where a capture's objects live in the shared store, by namespace so an
// operator can give each namespace its own bucket policy or lifecycle rule:
//
//   captures/<namespace>/<id>/meta.json         status running first; rewritten as pods finish; final last (the commit point)
//   captures/<namespace>/<id>/lease.json        the owner replica's heartbeat while it runs
//   captures/<namespace>/<id>/end.json          created once (putIfAbsent): the final meta, by the owner or by the replica that found it stopped
//   captures/<namespace>/<id>/profile.pb.gz     and trace.out, goroutines.txt, derived/…: what meta.json names
//   captures/<namespace>/<id>/pods/<pod>.pb.gz  each pod's own file
//
// Namespaces and pod names are Kubernetes names, ids come from newCaptureId,
// files from files.ts: every segment is a safe store key segment, and a key
// built here can never leave captures/<namespace>/<id>/ (checked, not assumed).
import { checkKey } from '../shared/object-store.ts';
import { STORED_FILE } from './files.ts';
import { CAPTURE_ID } from './request.ts';

export const CAPTURES = 'captures/';
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The prefix of one capture's objects ("captures/team-a/<id>/"). */
export function capturePrefix(namespace: string, id: string): string {
  if (!NAMESPACE.test(namespace)) throw new Error(`not a namespace: ${JSON.stringify(namespace)}`);
  if (!CAPTURE_ID.test(id)) throw new Error(`not a capture id: ${JSON.stringify(id)}`);
  return `${CAPTURES}${namespace}/${id}/`;
}

export const metaKey = (namespace: string, id: string): string => `${capturePrefix(namespace, id)}meta.json`;
export const leaseKey = (namespace: string, id: string): string => `${capturePrefix(namespace, id)}lease.json`;
export const endKey = (namespace: string, id: string): string => `${capturePrefix(namespace, id)}end.json`;

/** The key of a stored file ("profile.pb.gz", "pods/web-0.pb.gz"); throws for a name that is not one files.ts makes. */
export function fileKey(namespace: string, id: string, file: string): string {
  if (!STORED_FILE.test(file)) throw new Error(`not a stored file name: ${JSON.stringify(file)}`);
  return checkKey(`${capturePrefix(namespace, id)}${file}`);
}

export interface KeyParts {
  readonly namespace: string;
  readonly id: string;
  /** What follows the capture's prefix ("meta.json", "pods/web-0.pb.gz"). */
  readonly rest: string;
}

/** The capture a listed key belongs to, or undefined for a key outside the layout. */
export function parseKey(key: string): KeyParts | undefined {
  const m = /^captures\/([^/]+)\/([^/]+)\/(.+)$/.exec(key);
  if (!m || !NAMESPACE.test(m[1]!) || !CAPTURE_ID.test(m[2]!)) return undefined;
  return { namespace: m[1]!, id: m[2]!, rest: m[3]! };
}
