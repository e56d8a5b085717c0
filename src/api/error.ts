// The one client-side error for a gateway answer that is not 2xx: the status and
// the gateway's code, message and hint (ErrorBody). Isomorphic: the web UI and
// the CLI both throw it.
import type { ErrorBody } from './types.ts';

const statusSuffix = (text: string | undefined): string => (text ? ` ${text}` : '');

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    /** The PODPROF_… code; HTTP_<status> when the body was not an ErrorBody. */
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }

  /** For a terminal: "PODPROF_FORBIDDEN: <message>" and the hint on the next line; a non-podprof answer as its message alone. */
  describe(): string {
    if (this.code.startsWith('HTTP_')) return this.message;
    return `${this.code}: ${this.message}${this.hint ? `\n  ${this.hint}` : ''}`;
  }
}

/** The ApiError for a non-2xx answer; `text` is its body, `statusText` the fallback message. */
export function apiErrorOf(status: number, text: string, statusText = ''): ApiError {
  let body: Partial<Record<keyof ErrorBody, unknown>> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') body = parsed;
  } catch {
    // Not JSON: a proxy's or load balancer's page.
  }
  if (typeof body?.code === 'string')
    return new ApiError(
      status,
      body.code,
      typeof body.message === 'string' ? body.message : statusText,
      typeof body.hint === 'string' ? body.hint : undefined,
    );
  const excerpt = text.slice(0, 300).trim();
  return new ApiError(status, `HTTP_${status}`, `the gateway answered ${status}${excerpt ? `: ${excerpt}` : statusSuffix(statusText)}`);
}
