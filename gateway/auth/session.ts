// UI sessions, held by the gateway: the cookie (HttpOnly, Secure,
// SameSite=Strict) carries only a random session id with an HMAC. Logging out
// deletes the session, so a copied cookie stops working; the user's identity
// and groups are re-checked with the credential they logged in with every
// --session-recheck (a token no longer accepted ends the session; changed
// groups take effect). Sessions do not survive a gateway restart. Mutating
// calls made with a cookie must also send X-Podprof-Request, which a
// cross-site form cannot; so must pprof GETs, which act on a pod (a forced GC,
// a CPU capture), unless the browser says it came from our own origin or the user's
// own navigation (Sec-Fetch-Site same-origin or none).
// Bounded per user: a user's sessions past --max-sessions-per-user evict only
// that user's oldest; sign-ins are rate-limited per user; when all
// --max-sessions are taken, new sign-ins wait (429) and nobody is logged out.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PodprofError } from '../../src/errors.ts';
import { RateLimiter } from '../../src/limits/rate.ts';
import type { Authenticator, User } from './user.ts';

/** __Host-: the browser keeps it to this exact origin (Secure, Path=/, no Domain), whatever sites share the domain. */
export const SESSION_COOKIE = '__Host-podprof_session';
export const CSRF_HEADER = 'x-podprof-request';
const SESSION_MS = 8 * 3600_000;
/** Sec-Fetch-Site values a cookie-authenticated pprof GET may carry: our own pages, or the user's own navigation. */
const USER_OR_OWN = new Set(['same-origin', 'none']);

export interface SessionLimits {
  /** Live sessions at most, in all (--max-sessions); past it sign-in answers 429. */
  readonly max: number;
  /** Live sessions of one user (--max-sessions-per-user); past it that user's oldest goes. */
  readonly perUser: number;
  /** Sign-ins per user: a burst, then one every `everyMs`. */
  readonly signIns: { readonly burst: number; readonly everyMs: number };
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { max: 100_000, perUser: 16, signIns: { burst: 10, everyMs: 6000 } };

/** Re-runs the login's authentication: the user now, or undefined (or a rejection) when it no longer holds. */
export type Recheck = () => Promise<User | undefined>;

interface Live {
  user: User;
  /** The name the session was issued to (its share is counted under it). */
  readonly owner: string;
  readonly expires: number;
  recheckAt: number;
  readonly recheck?: Recheck;
  pending?: Promise<User | undefined>;
}

export class Sessions {
  private readonly key: Buffer;
  private readonly live = new Map<string, Live>();
  /** Each user's session ids, oldest first. */
  private readonly byUser = new Map<string, string[]>();
  private readonly signIns: RateLimiter;

  constructor(
    key?: Buffer,
    private readonly recheckMs = 300_000,
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  ) {
    this.key = key ?? randomBytes(32);
    this.signIns = new RateLimiter({ burst: limits.signIns.burst, perSecond: 1000 / limits.signIns.everyMs, maxCallers: 10_000 });
  }

  private sign(id: string): string {
    return createHmac('sha256', this.key).update(id).digest('base64url');
  }

  get size(): number {
    return this.live.size;
  }

  /**
   * Starts a session; the Set-Cookie value. `recheck` absent: the identity holds until the session
   * expires (auth proxy: it fronts every request). Throws PODPROF_THROTTLED past the user's sign-in
   * rate, or when every session of the gateway is taken by someone else.
   */
  issue(user: User, recheck?: Recheck, now = Date.now()): string {
    const wait = this.signIns.take(user.name, now);
    if (wait > 0)
      throw new PodprofError(
        'PODPROF_THROTTLED',
        `${user.name} signed in ${this.limits.signIns.burst} times in a short while; sign-in is rate-limited per user`,
        wait,
      );
    const mine = this.pruneUser(user.name, now);
    if (mine.length >= this.limits.perUser) this.end(mine[0]!);
    else if (this.live.size >= this.limits.max) this.sweep(now);
    if (this.live.size >= this.limits.max && mine.length < this.limits.perUser) {
      throw new PodprofError(
        'PODPROF_THROTTLED',
        `the gateway holds ${this.live.size} sessions (--max-sessions); nobody is logged out to make room`,
        60,
      );
    }
    const id = randomBytes(24).toString('base64url');
    this.live.set(id, {
      user: { name: user.name, groups: user.groups, via: 'session' },
      owner: user.name,
      expires: now + SESSION_MS,
      recheckAt: now + this.recheckMs,
      recheck,
    });
    const list = this.byUser.get(user.name) ?? [];
    list.push(id);
    this.byUser.set(user.name, list);
    return `${SESSION_COOKIE}=${id}.${this.sign(id)}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${SESSION_MS / 1000}`;
  }

  /** The cookie that ends the session in the browser. */
  static clearCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
  }

  /** This user's live session ids, expired ones dropped. */
  private pruneUser(name: string, now: number): string[] {
    const ids = (this.byUser.get(name) ?? []).filter((id) => {
      const s = this.live.get(id);
      if (s && s.expires > now) return true;
      this.live.delete(id);
      return false;
    });
    if (ids.length === 0) this.byUser.delete(name);
    else this.byUser.set(name, ids);
    return ids;
  }

  /** Drops every expired session. */
  private sweep(now: number): void {
    for (const [id, s] of this.live) if (s.expires <= now) this.end(id);
  }

  private end(id: string): boolean {
    const s = this.live.get(id);
    if (!s) return false;
    this.live.delete(id);
    const ids = (this.byUser.get(s.owner) ?? []).filter((x) => x !== id);
    if (ids.length === 0) this.byUser.delete(s.owner);
    else this.byUser.set(s.owner, ids);
    return true;
  }

  private idOf(req: IncomingMessage): string | undefined {
    const raw = (req.headers.cookie ?? '')
      .split(/;\s*/)
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))
      ?.slice(SESSION_COOKIE.length + 1);
    const [id = '', mac = ''] = (raw ?? '').split('.');
    const want = Buffer.from(this.sign(id));
    return id !== '' && mac.length === want.length && timingSafeEqual(Buffer.from(mac), want) ? id : undefined;
  }

  async read(req: IncomingMessage, now = Date.now()): Promise<User | undefined> {
    const id = this.idOf(req);
    const s = id === undefined ? undefined : this.live.get(id);
    if (!s || id === undefined) return undefined;
    if (s.expires <= now) {
      this.end(id);
      return undefined;
    }
    if (s.recheck && now >= s.recheckAt) {
      s.pending ??= s.recheck().catch(() => undefined);
      const fresh = await s.pending;
      s.pending = undefined;
      if (!fresh) {
        this.end(id);
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
    return id !== undefined && this.end(id);
  }

  /** `acts(req)`: the GET acts on something (a pprof path) and needs the same proof as a change. */
  authenticator(acts: (req: IncomingMessage) => boolean = () => false): Authenticator {
    return async (req) => {
      const user = await this.read(req);
      if (!user || req.headers[CSRF_HEADER] !== undefined) return user;
      const changes = !['GET', 'HEAD'].includes(req.method ?? 'GET');
      if (changes) throw new PodprofError('PODPROF_CSRF', `a cookie-authenticated ${req.method ?? ''} needs the ${CSRF_HEADER} header`);
      // A page of ours (a download link, the UI) says same-origin, a URL the user typed or bookmarked says none;
      // another site, even a sibling under one registrable domain, can say neither.
      if (acts(req) && !USER_OR_OWN.has(String(req.headers['sec-fetch-site']))) {
        throw new PodprofError(
          'PODPROF_CSRF',
          `a cookie-authenticated request to a pod needs the ${CSRF_HEADER} header or to come from this gateway's own pages`,
        );
      }
      return user;
    };
  }
}
