// UI sessions: the cookie (HttpOnly, Secure, SameSite=Strict) carries only a
// random session id with an HMAC under the shared session key
// (--session-key-file, or one kept in the store). The session itself is a
// record in the store replicas share (docs/design.md "What replicas share"):
// sessions/<user tag>/<expiry>-<sha256(id)>, so a cookie made on one replica
// works on every replica, survives a restart, and logging out on any replica
// deletes it — other replicas stop accepting it within --session-cache (they
// keep a record they read that long). The user's identity and groups are
// re-checked every --session-recheck with the credential they logged in with,
// kept sealed in the record (shared/seal.ts: opening it needs the cookie's id):
// a token no longer accepted ends the session everywhere; changed groups take
// effect on each replica as it re-checks. Mutating calls made with a cookie
// must also send X-Podprof-Request, which a cross-site form cannot; so must
// pprof GETs, which act on a pod (a forced GC, a CPU capture), unless the
// browser says it came from our own origin or the user's own navigation
// (Sec-Fetch-Site same-origin or none).
// Bounded per user: a user's sessions past --max-sessions-per-user evict only
// that user's oldest (listed from the store before and after writing, so never
// more than the cap, on any number of replicas; of sign-ins racing on several
// replicas one may end another's at once); sign-ins are rate-limited per user and replica; when all
// --max-sessions are taken (a census of the store once a minute, plus this
// replica's sign-ins since), new sign-ins wait (429) and nobody is logged out.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PodprofError } from '../../src/errors.ts';
import { RateLimiter } from '../../src/limits/rate.ts';
import { compose, parseSecret, recordKey, untilOfKey, userTag, viaStore } from '../shared/keys-of.ts';
import type { ObjectStore } from '../shared/object-store.ts';
import { seal, unseal } from '../shared/seal.ts';
import { SWEEP_EVERY_MS, Sweeper } from '../shared/sweep.ts';
import type { Authenticator, User } from './user.ts';

/** __Host-: the browser keeps it to this exact origin (Secure, Path=/, no Domain), whatever sites share the domain. */
export const SESSION_COOKIE = '__Host-podprof_session';
export const CSRF_HEADER = 'x-podprof-request';
export const SESSION_MS = 8 * 3600_000;
/** Sec-Fetch-Site values a cookie-authenticated pprof GET may carry: our own pages, or the user's own navigation. */
const USER_OR_OWN = new Set(['same-origin', 'none']);
const PREFIX = 'sessions';
const RANDOM_CHARS = 32;
/** Session records a replica keeps read at once (past it the oldest read is read again). */
const MAX_CACHED = 10_000;

export interface SessionLimits {
  /** Live sessions at most, in all (--max-sessions); past it sign-in answers 429. */
  readonly max: number;
  /** Live sessions of one user (--max-sessions-per-user); past it that user's oldest goes. */
  readonly perUser: number;
  /** Sign-ins per user and replica: a burst, then one every `everyMs`. */
  readonly signIns: { readonly burst: number; readonly everyMs: number };
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { max: 100_000, perUser: 16, signIns: { burst: 10, everyMs: 6000 } };

/** Authenticates a stored Authorization header again: the user now, or undefined (or a rejection) when it no longer holds. */
export type Reauthenticate = (authorization: string) => Promise<User | undefined>;

export interface SessionOptions {
  readonly recheckMs?: number;
  /** How long a replica trusts a session record it read (--session-cache): the bound on logout elsewhere taking effect here. */
  readonly cacheMs?: number;
  readonly limits?: SessionLimits;
  /** How a session's sealed credential is checked again; absent, sessions are never re-checked. */
  readonly reauthenticate?: Reauthenticate;
}

interface SessionRecord {
  readonly user: { readonly name: string; readonly groups: readonly string[] };
  readonly issued: number;
  /** The Authorization header it was made with, sealed (shared/seal.ts); absent: the auth proxy vouches for each request. */
  readonly credential?: string;
}

interface Seen {
  readonly record: SessionRecord;
  readonly readAt: number;
  /** This replica's view: the record's user, or what its last re-check found. */
  user: User;
  recheckAt: number;
  pending?: Promise<User | undefined>;
}

export class Sessions {
  private readonly seen = new Map<string, Seen>();
  private readonly signIns: RateLimiter;
  private readonly sweeper: Sweeper;
  /** When this replica's sign-ins since the sweeper's last census began were made (they may be in it too: never fewer). */
  private issuedAt: number[] = [];
  /** Sign-ins of one user run one at a time on a replica, so its count of theirs is exact. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Sign-ins in progress on this replica (each counts toward --max-sessions until it is in the store). */
  private starting = 0;
  private readonly recheckMs: number;
  private readonly cacheMs: number;
  private readonly limits: SessionLimits;

  constructor(
    private readonly store: ObjectStore,
    /** The shared key (shared/shared-key.ts); throws a 503 until it is loaded. */
    private readonly key: () => Buffer,
    private readonly o: SessionOptions = {},
  ) {
    this.recheckMs = o.recheckMs ?? 300_000;
    this.cacheMs = o.cacheMs ?? 1000;
    this.limits = o.limits ?? DEFAULT_SESSION_LIMITS;
    this.signIns = new RateLimiter({ burst: this.limits.signIns.burst, perSecond: 1000 / this.limits.signIns.everyMs, maxCallers: 10_000 });
    this.sweeper = new Sweeper(store, [PREFIX]);
  }

  private sign(id: string): string {
    return createHmac('sha256', this.key()).update(id).digest('base64url');
  }

  /** Live sessions in the store (every replica's). */
  async count(now = Date.now()): Promise<number> {
    let n = 0;
    for await (const o of this.store.list(`${PREFIX}/`)) if (untilOfKey(o.key) > now) n++;
    return n;
  }

  private serially<T>(tag: string, fn: () => Promise<T>): Promise<T> {
    const before = this.queues.get(tag) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(tag, tail);
    void tail.then(() => this.queues.get(tag) === tail && this.queues.delete(tag));
    return run;
  }

  /**
   * Starts a session; the Set-Cookie value. `authorization` absent: the identity holds until the session
   * expires (auth proxy: it fronts every request). Throws PODPROF_THROTTLED past the user's sign-in
   * rate, or when every session is taken by someone else.
   */
  async issue(user: User, authorization?: string, now = Date.now()): Promise<string> {
    const wait = this.signIns.take(user.name, now);
    if (wait > 0)
      throw new PodprofError(
        'PODPROF_THROTTLED',
        `${user.name} signed in ${this.limits.signIns.burst} times in a short while; sign-in is rate-limited per user`,
        wait,
      );
    const tag = userTag(this.key(), user.name);
    this.starting++;
    const id = await this.serially(tag, () => viaStore(this.store.describe, () => this.start(user, tag, authorization, now))).finally(
      () => this.starting--,
    );
    this.sweeper.soon(now);
    return `${SESSION_COOKIE}=${id}.${this.sign(id)}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${SESSION_MS / 1000}`;
  }

  private async start(user: User, tag: string, authorization: string | undefined, now: number): Promise<string> {
    const mine: string[] = [];
    for await (const o of this.store.list(`${PREFIX}/${tag}/`)) {
      if (untilOfKey(o.key) > now) mine.push(o.key);
      else await this.store.delete(o.key);
    }
    // A user at her own cap signs in in place of her oldest (below); anyone else counts toward --max-sessions.
    if (mine.length < this.limits.perUser) {
      // An estimate first (the last census plus sign-ins here since); at the cap, an exact count decides.
      const since = this.sweeper.census.at;
      this.issuedAt = this.issuedAt.filter((at) => at >= since);
      let held = this.sweeper.census.live + this.issuedAt.length;
      if (held >= this.limits.max || now - since > 2 * SWEEP_EVERY_MS) {
        this.sweeper.census = { live: await this.count(now), at: now };
        this.issuedAt = [];
        held = this.sweeper.census.live + this.starting - 1;
      }
      if (held >= this.limits.max)
        throw new PodprofError(
          'PODPROF_THROTTLED',
          `the gateway holds ${held} sessions (--max-sessions); nobody is logged out to make room`,
          60,
        );
    }
    const until = now + SESSION_MS;
    const id = compose(tag, until, randomBytes(24).toString('base64url'));
    const record: SessionRecord = {
      user: { name: user.name, groups: user.groups },
      issued: now,
      credential: authorization === undefined ? undefined : seal(this.key(), id, authorization),
    };
    const key = recordKey(PREFIX, id, tag, until);
    await this.store.put(key, JSON.stringify(record));
    if (mine.length < this.limits.perUser) this.issuedAt.push(now);
    // Listed again once written: sign-ins racing on other replicas are seen, and the user's oldest others go.
    const others: string[] = [];
    for await (const o of this.store.list(`${PREFIX}/${tag}/`)) if (o.key !== key && untilOfKey(o.key) > now) others.push(o.key);
    others.sort((a, b) => untilOfKey(a) - untilOfKey(b) || (a < b ? -1 : 1));
    for (const k of others.slice(0, Math.max(0, others.length + 1 - this.limits.perUser))) await this.store.delete(k);
    return id;
  }

  /** The cookie that ends the session in the browser. */
  static clearCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
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

  /** The store key of the cookie's session, when it carries a genuine, unexpired one. */
  private keyOf(id: string | undefined, now: number): string | undefined {
    const p = id === undefined ? undefined : parseSecret(id, RANDOM_CHARS);
    return p && id !== undefined && p.until > now ? recordKey(PREFIX, id, p.tag, p.until) : undefined;
  }

  private remember(key: string, s: Seen): void {
    this.seen.delete(key);
    if (this.seen.size >= MAX_CACHED) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, s);
  }

  /** The session's record as this replica sees it: read again once --session-cache has passed. */
  private async look(key: string, now: number): Promise<Seen | undefined> {
    const old = this.seen.get(key);
    if (old && now >= old.readAt && now - old.readAt < this.cacheMs) return old;
    const raw = await viaStore(this.store.describe, () => this.store.get(key));
    if (raw === undefined) {
      this.seen.delete(key);
      return undefined;
    }
    const record = JSON.parse(Buffer.from(raw).toString('utf8')) as SessionRecord;
    const first = record.issued + this.recheckMs;
    const s: Seen = {
      record,
      readAt: now,
      user: old?.user ?? { name: record.user.name, groups: record.user.groups, via: 'session' },
      recheckAt: old?.recheckAt ?? (first > now ? first : now),
      pending: old?.pending,
    };
    this.remember(key, s);
    return s;
  }

  private async end(key: string): Promise<void> {
    this.seen.delete(key);
    await viaStore(this.store.describe, () => this.store.delete(key));
  }

  async read(req: IncomingMessage, now = Date.now()): Promise<User | undefined> {
    const id = this.idOf(req);
    const key = this.keyOf(id, now);
    if (key === undefined || id === undefined) return undefined;
    const s = await this.look(key, now);
    if (!s) return undefined;
    const credential = s.record.credential;
    if (credential !== undefined && this.o.reauthenticate && now >= s.recheckAt) {
      const again = this.o.reauthenticate;
      s.pending ??= Promise.resolve()
        .then(() => {
          const authorization = unseal(this.key(), id, credential);
          return authorization === undefined ? undefined : again(authorization);
        })
        .catch(() => undefined);
      const fresh = await s.pending;
      s.pending = undefined;
      if (!fresh) {
        await this.end(key);
        return undefined;
      }
      s.user = { name: fresh.name, groups: fresh.groups, via: 'session' };
      s.recheckAt = now + this.recheckMs;
    }
    return s.user;
  }

  /** Logout: the session is gone for every copy of its cookie, on every replica (within --session-cache). */
  async revoke(req: IncomingMessage, now = Date.now()): Promise<boolean> {
    const key = this.keyOf(this.idOf(req), now);
    if (key === undefined) return false;
    const existed = (await this.look(key, now)) !== undefined;
    await this.end(key);
    return existed;
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
