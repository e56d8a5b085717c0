// One-time links for `go tool pprof`, which cannot send headers but sends URL
// userinfo as Basic auth: https://pprof:<secret>@gateway/…/debug/pprof/heap.
// Short-lived, single use, scoped to one pod and profile type; pprof prints
// the URL, so the secret must be worthless once used.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PodprofError } from '../src/errors.ts';
import type { ProfileType } from '../src/endpoints/catalog.ts';
import type { User } from './auth/user.ts';

export const LINK_USER = 'pprof';
export const LINK_TTL_MS = 5 * 60_000;

interface Link {
  readonly user: User;
  readonly namespace: string;
  readonly pod: string;
  readonly type: ProfileType;
  readonly until: number;
}

const digest = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

export class LinkStore {
  private readonly links = new Map<string, Link>();

  create(user: User, namespace: string, pod: string, type: ProfileType, now = Date.now()): string {
    this.prune(now);
    if (this.links.size > 10_000) throw new PodprofError('PODPROF_THROTTLED', 'too many open links; use or let some expire', 60);
    const secret = randomBytes(24).toString('base64url');
    this.links.set(digest(secret), { user, namespace, pod, type, until: now + LINK_TTL_MS });
    return secret;
  }

  /** The link's owner, if the request carries a live link for exactly this pod and type; the link is spent. */
  redeem(req: IncomingMessage, namespace: string, pod: string, type: string, now = Date.now()): User | undefined {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return undefined;
    const [user, ...rest] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    if (user !== LINK_USER) return undefined;
    const key = digest(rest.join(':'));
    const link = this.links.get(key);
    this.links.delete(key);
    if (!link || link.until < now) throw new PodprofError('PODPROF_LINK_INVALID', 'this link was already used or has expired');
    if (link.namespace !== namespace || link.pod !== pod || link.type !== type) {
      throw new PodprofError('PODPROF_LINK_INVALID', `this link is for ${link.namespace}/${link.pod} ${link.type}, not ${namespace}/${pod} ${type}`);
    }
    return { ...link.user, via: 'link' };
  }

  private prune(now: number): void {
    for (const [k, l] of this.links) if (l.until < now) this.links.delete(k);
  }
}
