// The one error catalog. Every error podprof answers with has a stable code, an
// HTTP status and a hint that tells the user what to do. On pprof paths errors are
// text/plain with X-Go-Pprof: 1 (the only way `go tool pprof` shows a body);
// on API paths they are JSON { code, message, hint } (src/api ErrorBody).
import type { ServerResponse } from 'node:http';
import type { ErrorBody } from './api/types.ts';

export const CATALOG = {
  PODPROF_UNAUTHENTICATED: { status: 401, hint: 'send Authorization: Bearer <token>' },
  PODPROF_TOKEN_INVALID: { status: 401, hint: 'get a fresh token from the podprof gateway' },
  PODPROF_TOKEN_WRONG_AUDIENCE: {
    status: 401,
    hint: "the ID token was issued for another OIDC client; sign in to podprof itself (podprof login, or the web UI's sign-in button) for one with podprof's client id",
  },
  PODPROF_TOKEN_EXPIRED: { status: 401, hint: "sign in again: podprof login, or the web UI's sign-in button" },
  PODPROF_OIDC_SIGN_IN_FAILED: {
    status: 400,
    hint: 'the sign-in with the identity provider did not complete (it was refused, took too long, or came back without its state); start it again from the sign-in page',
  },
  PODPROF_OIDC_UNAVAILABLE: {
    status: 502,
    hint: 'the gateway could not reach the OIDC provider (--oidc-issuer) or read its discovery document, keys or token answer; check --oidc-ca-file and the gateway log',
  },
  PODPROF_TOKEN_REPLAYED: { status: 401, hint: 'tokens are single-use; get a fresh one' },
  PODPROF_TOKEN_IN_QUERY: { status: 401, hint: 'send the token in the Authorization header, never in the URL' },
  PODPROF_TOKEN_WRONG_POD: { status: 403, hint: 'this token was issued for another pod' },
  PODPROF_TOKEN_WRONG_TYPE: { status: 403, hint: 'this token was issued for another profile type' },
  PODPROF_TOKEN_SECONDS: { status: 403, hint: 'ask for fewer seconds or get a token that allows more' },
  PODPROF_FORBIDDEN: { status: 403, hint: 'ask your cluster admin for the RBAC rule named above' },
  PODPROF_CSRF: { status: 403, hint: 'browser sessions must send the X-Podprof-Request header on changes' },
  PODPROF_POD_NOT_FOUND: {
    status: 404,
    hint: 'the pod does not exist, is not injected, or is not watched by this gateway (podprof explain NAMESPACE/POD)',
  },
  PODPROF_POD_NOT_READY: { status: 503, hint: 'the pod or its sidecar is not ready; retry when it is' },
  PODPROF_SIDECAR_UNREACHABLE: { status: 502, hint: "the pod's sidecar did not answer; check the pod and its podprof-sidecar container" },
  PODPROF_SIDECAR_UNVERIFIED: {
    status: 502,
    hint: "whoever answered at the pod's address did not show a certificate for that pod from the sidecar CA; no token was sent (docs/security.md: sidecar certificates)",
  },
  PODPROF_LINK_INVALID: { status: 401, hint: 'one-time links work once and expire quickly; make a new one with podprof link' },
  PODPROF_PROFILE_DISABLED: { status: 403, hint: 'the pod does not allow this profile type (podprof.io/profiles)' },
  PODPROF_NOT_FOUND: {
    status: 404,
    hint: 'known profile types: profile, trace, heap, allocs, goroutine, block, mutex, threadcreate, cmdline, symbol',
  },
  PODPROF_METHOD_NOT_ALLOWED: { status: 405, hint: 'pprof endpoints are GET only (POST for symbol)' },
  PODPROF_BAD_PARAMETER: { status: 400, hint: 'see the parameters each profile type takes' },
  PODPROF_BAD_REQUEST: { status: 400, hint: 'the request is malformed' },
  PODPROF_HEADERS_TOO_LARGE: {
    status: 431,
    hint: 'send smaller request headers (tokens belong in Authorization, not in cookies or custom headers)',
  },
  PODPROF_REQUEST_TIMEOUT: { status: 408, hint: 'send the whole request promptly' },
  PODPROF_REQUEST_TOO_LARGE: { status: 413, hint: 'send a smaller request body' },
  PODPROF_UNSUPPORTED_MEDIA_TYPE: { status: 415, hint: 'send Content-Type: application/json' },
  PODPROF_NO_ROUTE: { status: 404, hint: 'no such API path; see the README for the endpoints' },
  PODPROF_THROTTLED: { status: 429, hint: 'this request is rate-limited; retry after the time given' },
  PODPROF_PROFILER_BUSY: { status: 429, hint: 'the profiler is held by another capture; retry after the time given' },
  PODPROF_RESPONSE_TOO_LARGE: { status: 502, hint: 'the profile is larger than the sidecar allows (--max-response-bytes)' },
  PODPROF_BAD_PROFILE: {
    status: 400,
    hint: 'the uploaded file is not a pprof profile podprof can read (gzipped or not), or it decodes past --max-decoded-bytes; go tool pprof -raw FILE shows what it holds',
  },
  PODPROF_BAD_GOROUTINE_DUMP: {
    status: 502,
    hint: "the pod's goroutine?debug=2 answer is not a Go goroutine dump podprof can read (or is over its limits); the message names the line",
  },
  PODPROF_UPSTREAM_UNAVAILABLE: {
    status: 502,
    hint: 'the app does not answer on its pprof port; is it running and serving net/http/pprof on loopback?',
  },
  PODPROF_UPSTREAM_FAILED: { status: 502, hint: 'the app broke off the response; retry, and check the app logs' },
  PODPROF_UPSTREAM_TIMEOUT: { status: 504, hint: 'the app did not answer in time' },
  PODPROF_SHUTTING_DOWN: { status: 503, hint: 'the sidecar is shutting down; retry on another pod or later' },
  PODPROF_NO_TARGETS: {
    status: 404,
    hint: 'no injected pod matches; check the namespace, selector or workload (GET /api/v1/pods lists what the gateway sees)',
  },
  PODPROF_CAPTURE_NOT_FOUND: {
    status: 404,
    hint: 'no such capture: it never existed, was deleted, or aged out of the store (GET /api/v1/captures lists them)',
  },
  PODPROF_STORE_UNAVAILABLE: {
    status: 503,
    hint: 'the gateway cannot use its capture store; check --store-dir (a writable directory) or, with --store s3://…, that the object store answers and its credentials are accepted; then read the gateway log. Captures resume by themselves once the store answers',
  },
  PODPROF_TOO_MANY_CAPTURES: { status: 429, hint: 'too many captures are running; retry after the time given' },
  PODPROF_STORE_FULL: {
    status: 507,
    hint: 'the capture store is full; delete captures you no longer need, or wait until old ones age out (--store-max-age)',
  },
  PODPROF_CAPTURE_RUNNING: { status: 409, hint: 'the capture is still running; poll GET /api/v1/captures/{id} until it is done' },
  PODPROF_SOURCE_UNKNOWN: {
    status: 404,
    hint: 'the gateway fetches dependency files named module@version, the standard library at podprof.io/go-version and the main module at podprof.io/main-module (README "Source code")',
  },
  PODPROF_SOURCE_INVALID: {
    status: 400,
    hint: 'the file name claims a module path, version or file the go command would refuse; nothing was fetched',
  },
  PODPROF_SOURCE_NOT_FOUND: { status: 404, hint: 'the module proxy (--goproxy) has no such module version, or its zip holds no such file' },
  PODPROF_SOURCE_TOO_LARGE: {
    status: 502,
    hint: 'the module zip or the file is larger than the gateway reads (--source-max-zip-bytes, --source-max-file-bytes)',
  },
  PODPROF_SOURCE_PROXY_FAILED: {
    status: 502,
    hint: 'the module proxy (--goproxy) failed, redirected or did not answer in time (--source-timeout); check the gateway reaches it',
  },
  PODPROF_INTERNAL: { status: 500, hint: 'an unexpected error; see the podprof logs' },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof CATALOG;

export class PodprofError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'PodprofError';
    this.status = CATALOG[code].status;
  }

  /** The text a user reads: what happened, then what to do. */
  get text(): string {
    return `${this.message}\n${CATALOG[this.code].hint}${this.retryAfterSeconds === undefined ? '' : ` (retry in ${this.retryAfterSeconds}s)`}\n`;
  }
}

export function toPodprofError(err: unknown): PodprofError {
  if (err instanceof PodprofError) return err;
  // The gateway's shared store throws StoreUnavailable (gateway/shared/object-store.ts), known here by name only.
  if (err instanceof Error && err.name === 'StoreUnavailable') return new PodprofError('PODPROF_STORE_UNAVAILABLE', err.message);
  return new PodprofError('PODPROF_INTERNAL', 'internal error');
}

export type ErrorFormat = 'pprof' | 'json';

export function sendError(res: ServerResponse, err: PodprofError, format: ErrorFormat): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
  if (err.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="podprof"';
  // The rest of an oversized body is not worth reading: close after answering.
  if (err.status === 413) headers.Connection = 'close';
  if (err.retryAfterSeconds !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(err.retryAfterSeconds)));
  let body: string;
  if (format === 'pprof') {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
    headers['X-Go-Pprof'] = '1';
    body = `${err.code}: ${err.text}`;
  } else {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify({ code: err.code, message: err.message, hint: CATALOG[err.code].hint } satisfies ErrorBody);
  }
  headers['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(err.status, headers);
  res.end(body);
}
