// Headers every response of a podprof server carries, on the HTTPS port and
// the health port alike: never sniff a type, and a policy under which nothing in
// an answer runs or loads, should a browser ever render one (a pod's profile
// bytes are the attacker's). The gateway's UI pages replace the policy with
// their own.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
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
