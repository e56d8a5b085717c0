// UI sessions: an HMAC-signed cookie (HttpOnly, Secure, SameSite=Strict) holding
// the user and an expiry. Mutating calls made with a cookie must also send the
// X-Podprof-Request header, which a cross-site form cannot.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PodprofError } from '../../src/errors.ts';
import type { Authenticator, User } from './user.ts';

export const SESSION_COOKIE = 'podprof_session';
export const CSRF_HEADER = 'x-podprof-request';
const SESSION_MS = 8 * 3600_000;

export class Sessions {
  private readonly key: Buffer;

  constructor(key?: Buffer) {
    this.key = key ?? randomBytes(32);
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }

  /** The Set-Cookie value for a new session. */
  issue(user: User, now = Date.now()): string {
    const payload = Buffer.from(JSON.stringify({ u: user.name, g: user.groups, e: now + SESSION_MS })).toString('base64url');
    return `${SESSION_COOKIE}=${payload}.${this.sign(payload)}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${SESSION_MS / 1000}`;
  }

  read(req: IncomingMessage, now = Date.now()): User | undefined {
    const raw = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.slice(SESSION_COOKIE.length + 1);
    if (!raw) return undefined;
    const [payload = '', mac = ''] = raw.split('.');
    const want = Buffer.from(this.sign(payload));
    if (mac.length !== want.length || !timingSafeEqual(Buffer.from(mac), want)) return undefined;
    const s = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { u: string; g: string[]; e: number };
    return s.e > now ? { name: s.u, groups: s.g, via: 'session' } : undefined;
  }

  authenticator(): Authenticator {
    return (req) => {
      const user = this.read(req);
      if (user && !['GET', 'HEAD'].includes(req.method ?? 'GET') && req.headers[CSRF_HEADER] === undefined) {
        return Promise.reject(new PodprofError('PODPROF_CSRF', `a cookie-authenticated ${req.method ?? ''} needs the ${CSRF_HEADER} header`));
      }
      return Promise.resolve(user);
    };
  }
}
