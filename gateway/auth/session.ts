// UI sessions, held by the gateway: the cookie (HttpOnly, Secure,
// SameSite=Strict) carries only a random session id with an HMAC. Logging out
// deletes the session, so a copied cookie stops working; the user's identity
// and groups are re-checked with the credential they logged in with every
// --session-recheck (a token no longer accepted ends the session; changed
// groups take effect). Sessions do not survive a gateway restart. Mutating
// calls made with a cookie must also send X-Podprof-Request, which a
// cross-site form cannot.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PodprofError } from '../../src/errors.ts';
import type { Authenticator, User } from './user.ts';

export const SESSION_COOKIE = 'podprof_session';
export const CSRF_HEADER = 'x-podprof-request';
const SESSION_MS = 8 * 3600_000;
/** Live sessions at most; the oldest goes first past this. */
const MAX_SESSIONS = 10_000;

/** Re-runs the login's authentication: the user now, or undefined (or a rejection) when it no longer holds. */
export type Recheck = () => Promise<User | undefined>;

interface Live {
  user: User;
  readonly expires: number;
  recheckAt: number;
  readonly recheck?: Recheck;
  pending?: Promise<User | undefined>;
}

export class Sessions {
  private readonly key: Buffer;
  private readonly live = new Map<string, Live>();

  constructor(
    key?: Buffer,
    private readonly recheckMs = 300_000,
  ) {
    this.key = key ?? randomBytes(32);
  }

  private sign(id: string): string {
    return createHmac('sha256', this.key).update(id).digest('base64url');
  }

  get size(): number {
    return this.live.size;
  }

  /** Starts a session; the Set-Cookie value. `recheck` absent: the identity holds until the session expires (auth proxy: it fronts every request). */
  issue(user: User, recheck?: Recheck, now = Date.now()): string {
    const id = randomBytes(24).toString('base64url');
    for (const oldest of this.live.keys()) {
      if (this.live.size < MAX_SESSIONS) break;
      this.live.delete(oldest);
    }
    this.live.set(id, { user: { name: user.name, groups: user.groups, via: 'session' }, expires: now + SESSION_MS, recheckAt: now + this.recheckMs, recheck });
    return `${SESSION_COOKIE}=${id}.${this.sign(id)}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${SESSION_MS / 1000}`;
  }

  private idOf(req: IncomingMessage): string | undefined {
    const raw = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.slice(SESSION_COOKIE.length + 1);
    const [id = '', mac = ''] = (raw ?? '').split('.');
    const want = Buffer.from(this.sign(id));
    return id !== '' && mac.length === want.length && timingSafeEqual(Buffer.from(mac), want) ? id : undefined;
  }

  async read(req: IncomingMessage, now = Date.now()): Promise<User | undefined> {
    const id = this.idOf(req);
    const s = id === undefined ? undefined : this.live.get(id);
    if (!s || id === undefined) return undefined;
    if (s.expires <= now) {
      this.live.delete(id);
      return undefined;
    }
    if (s.recheck && now >= s.recheckAt) {
      s.pending ??= s.recheck().catch(() => undefined);
      const fresh = await s.pending;
      s.pending = undefined;
      if (!fresh) {
        this.live.delete(id);
        return undefined;
      }
      s.user = { name: fresh.name, groups: fresh.groups, via: 'session' };
      s.recheckAt = now + this.recheckMs;
    }
    return s.user;
  }

  /** Logout: the session is gone for every copy of its cookie. */
  revoke(req: IncomingMessage): boolean {
    const id = this.idOf(req);
    return id !== undefined && this.live.delete(id);
  }

  authenticator(): Authenticator {
    return async (req) => {
      const user = await this.read(req);
      if (user && !['GET', 'HEAD'].includes(req.method ?? 'GET') && req.headers[CSRF_HEADER] === undefined) {
        throw new PodprofError('PODPROF_CSRF', `a cookie-authenticated ${req.method ?? ''} needs the ${CSRF_HEADER} header`);
      }
      return user;
    };
  }
}
