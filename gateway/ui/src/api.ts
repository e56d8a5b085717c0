// The gateway's JSON API as the UI uses it: same-origin, session cookie, and
// the X-Podprof-Request header on every call (mutating calls need it).
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly node: string;
  readonly container: string;
  readonly profiles: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly workload?: { readonly kind: string; readonly name: string };
  readonly podReady: boolean;
  readonly sidecarReady: boolean;
  readonly routable: boolean;
  readonly phase: string;
}

export interface NotInjected {
  readonly namespace: string;
  readonly name: string;
  readonly reason?: string;
}

export interface PodResult {
  readonly pod: string;
  readonly status: string;
  readonly error?: string;
  readonly bytes?: number;
  readonly file?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

export interface Capture {
  readonly id: string;
  readonly user: string;
  readonly createdAt: string;
  readonly finishedAt?: string;
  readonly namespace: string;
  readonly target: { readonly pod?: string; readonly selector?: string; readonly workload?: { readonly kind: string; readonly name: string } };
  readonly type: string;
  readonly seconds?: number;
  readonly status: 'running' | 'done' | 'partial' | 'failed';
  readonly error?: string;
  readonly pods: readonly PodResult[];
  readonly file?: string;
  readonly bytes: number;
  readonly totals?: Readonly<Record<string, string>>;
}

export interface CaptureBody {
  readonly namespace: string;
  readonly pod?: string;
  readonly workload?: string;
  readonly selector?: string;
  readonly type: string;
  readonly seconds?: number;
}

async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { 'x-podprof-request': '1', accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(path, init);
  if (!res.ok) {
    let code = `HTTP_${res.status}`;
    let message = res.statusText;
    try {
      const e = (await res.json()) as { code?: string; message?: string };
      code = e.code ?? code;
      message = e.message ?? message;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, code, message);
  }
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export const api = {
  login: (token: string): Promise<{ user: string }> => call('POST', '/api/v1/session', undefined, { authorization: `Bearer ${token}` }),
  whoami: (): Promise<{ user: string; groups: string[] }> => call('GET', '/api/v1/session'),
  logout: (): Promise<void> => call('DELETE', '/api/v1/session'),
  pods: (): Promise<{ items: Pod[]; notInjected: NotInjected[] }> => call('GET', '/api/v1/pods'),
  captures: (): Promise<{ items: Capture[] }> => call('GET', '/api/v1/captures'),
  capture: (id: string): Promise<Capture> => call('GET', `/api/v1/captures/${encodeURIComponent(id)}`),
  startCapture: (b: CaptureBody): Promise<Capture> => call('POST', '/api/v1/captures?async=true', b),
  deleteCapture: (id: string): Promise<void> => call('DELETE', `/api/v1/captures/${encodeURIComponent(id)}`),
  link: (b: { namespace: string; pod: string; type: string; seconds?: number }): Promise<{ url: string; command: string; expiresAt: string }> => call('POST', '/api/v1/links', b),
};

export const profileUrl = (id: string): string => `/api/v1/captures/${encodeURIComponent(id)}/profile.pb.gz`;
export const traceUrl = (id: string): string => `/api/v1/captures/${encodeURIComponent(id)}/trace.out`;

/** The raw bytes of a finished capture's profile. */
export async function fetchProfile(id: string): Promise<Uint8Array> {
  const res = await fetch(profileUrl(id), { credentials: 'same-origin' });
  if (!res.ok) {
    const e = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? res.statusText);
  }
  return new Uint8Array(await res.arrayBuffer());
}

export function describeTarget(c: Pick<Capture, 'namespace' | 'target'>): string {
  if (c.target.pod !== undefined) return `${c.namespace}/${c.target.pod}`;
  if (c.target.selector !== undefined) return `${c.namespace} -l ${c.target.selector}`;
  return `${c.namespace} ${c.target.workload?.kind.toLowerCase() ?? '?'}/${c.target.workload?.name ?? '?'}`;
}
