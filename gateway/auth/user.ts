import type { IncomingMessage } from 'node:http';

export interface User {
  readonly name: string;
  readonly groups: readonly string[];
  /** How the caller proved it: a bearer token, the auth proxy, a session cookie, a one-time link. */
  readonly via: 'token' | 'proxy' | 'session' | 'link';
}

/** Resolves the caller, undefined when the request carries no credentials of this kind, or throws a PodprofError (401). */
export type Authenticator = (req: IncomingMessage) => Promise<User | undefined>;

export function bearerOf(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}
