// Headers every response of a podprof server carries, on the HTTPS port and
// the health port alike. No Content-Security-Policy here: the gateway's UI
// sets its own, and the APIs serve no HTML.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
};

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/** `handler`, with the security headers set before it runs (it may still override them). */
export function withSecurityHeaders(handler: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    setSecurityHeaders(res);
    handler(req, res);
  };
}
