// One-time links for `go tool pprof`, which cannot send headers but sends URL
// userinfo as Basic auth: https://pprof:<secret>@gateway/…/debug/pprof/heap.
// Short-lived, single use, scoped to one pod and profile type (a live profile)
// or to one stored capture (its profile.pb.gz or trace.out, as the UI shows it);
// pprof prints the URL, so the secret must be worthless once used. Each user holds at most
// --max-links-per-user open links: one user cannot lock everyone out.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PodprofError } from '../src/errors.ts';
import type { ProfileType } from '../src/endpoints/catalog.ts';
import { Shares } from '../src/limits/shares.ts';
import type { User } from './auth/user.ts';

export const LINK_USER = 'pprof';
export const LINK_TTL_MS = 5 * 60_000;

interface Link {
  readonly user: User;
  /** What it opens, as `scopeOf` writes it; also what a mismatch message names. */
  readonly scope: string;
  readonly until: number;
}

const podScope = (namespace: string, pod: string, type: string): string => `${namespace}/${pod} ${type}`;
const captureScope = (id: string): string => `capture ${id}`;

const digest = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

export interface LinkLimits {
  /** Open links of one user (--max-links-per-user). */
  readonly perUser: number;
  /** Open links in all. */
  readonly total: number;
}

export const DEFAULT_LINK_LIMITS: LinkLimits = { perUser: 64, total: 100_000 };

export class LinkStore {
  private readonly links = new Map<string, Link>();
  private readonly open: Shares;
  private prunedAt = 0;

  constructor(readonly limits: LinkLimits = DEFAULT_LINK_LIMITS) {
    this.open = new Shares({ perHolder: limits.perUser, total: limits.total });
  }

  /** A link to a live profile of one pod. */
  create(user: User, namespace: string, pod: string, type: ProfileType, now = Date.now()): string {
    return this.mint(user, podScope(namespace, pod, type), now);
  }

  /** A link to a stored capture's file (profile.pb.gz or trace.out): what the UI shows, not a new profile. */
  createForCapture(user: User, id: string, now = Date.now()): string {
    return this.mint(user, captureScope(id), now);
  }

  private mint(user: User, scope: string, now: number): string {
    if (now - this.prunedAt > 1000 || this.open.of(user.name) >= this.limits.perUser) this.prune(now);
    const refused = this.open.take(user.name);
    if (refused === 'holder')
      throw new PodprofError(
        'PODPROF_THROTTLED',
        `${user.name} has ${this.limits.perUser} open links (--max-links-per-user); use them or let them expire`,
        this.secondsUntilOneExpires(user.name, now),
      );
    if (refused === 'total')
      throw new PodprofError('PODPROF_THROTTLED', `the gateway holds ${this.limits.total} open links; retry when some expire`, 60);
    const secret = randomBytes(24).toString('base64url');
    this.links.set(digest(secret), { user, scope, until: now + LINK_TTL_MS });
    return secret;
  }

  private secondsUntilOneExpires(name: string, now: number): number {
    let soonest = now + LINK_TTL_MS;
    for (const l of this.links.values()) if (l.user.name === name && l.until < soonest) soonest = l.until;
    return Math.max(1, Math.ceil((soonest - now) / 1000));
  }

  private forget(key: string, link: Link): void {
    this.links.delete(key);
    this.open.give(link.user.name);
  }

  /** The link's owner, if the request carries a live link for exactly this pod and type; the link is spent. */
  redeem(req: IncomingMessage, namespace: string, pod: string, type: string, now = Date.now()): User | undefined {
    return this.spend(req, podScope(namespace, pod, type), now);
  }

  /** The link's owner, if the request carries a live link for exactly this stored capture; the link is spent. */
  redeemCapture(req: IncomingMessage, id: string, now = Date.now()): User | undefined {
    return this.spend(req, captureScope(id), now);
  }

  private spend(req: IncomingMessage, scope: string, now: number): User | undefined {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return undefined;
    const [user, ...rest] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    if (user !== LINK_USER) return undefined;
    const key = digest(rest.join(':'));
    const link = this.links.get(key);
    if (link) this.forget(key, link);
    if (!link || link.until < now) throw new PodprofError('PODPROF_LINK_INVALID', 'this link was already used or has expired');
    if (link.scope !== scope) throw new PodprofError('PODPROF_LINK_INVALID', `this link is for ${link.scope}, not ${scope}`);
    return { ...link.user, via: 'link' };
  }

  private prune(now: number): void {
    this.prunedAt = now;
    for (const [k, l] of this.links) if (l.until < now) this.forget(k, l);
  }

  get size(): number {
    return this.links.size;
  }
}
