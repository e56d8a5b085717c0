// The gateway's JSON API as the UI uses it: same-origin, session cookie, and
// the X-Podprof-Request header on every call (mutating calls need it). The
// types and the error are src/api's, shared with the gateway and the CLI.
import { apiErrorOf } from '../../../src/api/error.ts';
import type {
  CaptureBody,
  CaptureList,
  CaptureMeta,
  Link,
  LinkBody,
  PodList,
  Session,
  SourceAnswer,
  BuildInfo,
} from '../../../src/api/types.ts';

async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: { 'x-podprof-request': '1', accept: 'application/json', ...headers },
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(path, init);
  if (!res.ok) throw apiErrorOf(res.status, await res.text(), res.statusText);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export const api = {
  login: (token: string): Promise<Session> => call('POST', '/api/v1/session', undefined, { authorization: `Bearer ${token}` }),
  whoami: (): Promise<Session> => call('GET', '/api/v1/session'),
  logout: (): Promise<void> => call('DELETE', '/api/v1/session'),
  pods: (): Promise<PodList> => call('GET', '/api/v1/pods'),
  captures: (): Promise<CaptureList> => call('GET', '/api/v1/captures'),
  capture: (id: string): Promise<CaptureMeta> => call('GET', `/api/v1/captures/${encodeURIComponent(id)}`),
  startCapture: (b: CaptureBody): Promise<CaptureMeta> => call('POST', '/api/v1/captures?async=true', b),
  deleteCapture: (id: string): Promise<void> => call('DELETE', `/api/v1/captures/${encodeURIComponent(id)}`),
  /** Stores a profile file the user has as a capture in `namespace` (RBAC create captures/upload there). */
  upload: async (namespace: string, name: string, bytes: Uint8Array): Promise<CaptureMeta> => {
    const q = new URLSearchParams({ namespace, name });
    const res = await fetch(`/api/v1/captures/upload?${q.toString()}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'x-podprof-request': '1', accept: 'application/json', 'content-type': 'application/octet-stream' },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    if (!res.ok) throw apiErrorOf(res.status, await res.text(), res.statusText);
    return (await res.json()) as CaptureMeta;
  },
  link: (b: LinkBody): Promise<Link> => call('POST', '/api/v1/links', b),
  /** The Go version and main module a capture's pods declare. */
  build: (id: string): Promise<BuildInfo> => call('GET', `/api/v1/captures/${encodeURIComponent(id)}/build`),
  /** A file a capture's profile names, through the gateway's Go module proxy (fn: the function at its lines). */
  source: (id: string, file: string, fn: string): Promise<SourceAnswer> =>
    call('GET', `/api/v1/captures/${encodeURIComponent(id)}/source?file=${encodeURIComponent(file)}&fn=${encodeURIComponent(fn)}`),
};

const capture = (id: string): string => `/api/v1/captures/${encodeURIComponent(id)}`;
export const profileUrl = (id: string): string => `${capture(id)}/profile.pb.gz`;
export const traceUrl = (id: string): string => `${capture(id)}/trace.out`;
/** One pod's goroutine dump (debug=2) as Go wrote it. */
export const dumpTextUrl = (id: string): string => `${capture(id)}/goroutines.txt`;
/** One pod's own file of a workload's capture (its trace, for a trace capture). */
export const podFileUrl = (id: string, pod: string): string => `${capture(id)}/pods/${encodeURIComponent(pod)}`;
/** What the gateway derived from a trace capture: trace-<kind>.pb.gz, goroutines.json. */
export const derivedUrl = (id: string, name: string): string => `${capture(id)}/derived/${encodeURIComponent(name)}`;

/** A capture's trace: the pod's own (a workload's capture), or its trace.out. */
export const traceFileUrl = (id: string, pod: string | undefined): string => (pod === undefined ? traceUrl(id) : podFileUrl(id, pod));

/** A finished capture's file, as the gateway sends it; an ApiError for anything but 2xx (an AbortError once `signal` aborts). */
export async function fetchOk(url: string, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(url, { credentials: 'same-origin', signal });
  if (!res.ok) throw apiErrorOf(res.status, await res.text(), res.statusText);
  return res;
}

/** A finished capture's profile (or a file derived from its trace). */
export const profileFileUrl = (id: string, derived?: string): string => (derived === undefined ? profileUrl(id) : derivedUrl(id, derived));
