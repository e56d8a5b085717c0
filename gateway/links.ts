// One-time links for `go tool pprof`, which cannot send headers but sends URL
// userinfo as Basic auth: https://pprof:<secret>@gateway/…/debug/pprof/heap.
// Short-lived, single use, scoped to one pod and profile type (a live profile)
// or to one stored capture (its profile.pb.gz or trace.out, as the UI shows it);
// pprof prints the URL, so the secret must be worthless once used.
// Kept in the store replicas share (docs/design.md "What replicas share"): a
// link minted on one replica is spent on any, once. Its record (owner, scope)
// lives at links/<owner tag>/<expiry>-<sha256(secret)> — the secret itself is
// never stored — and spending it is putIfAbsent(links-spent/<owner tag>/<expiry>-<digest>):
// of replicas racing to spend one link exactly one creates the marker.
// Each user holds at most --max-links-per-user open links, across replicas:
// counted from the store (a list of the user's prefix, plus this replica's
// mints in flight) before writing, and listed again after: a mint that then
// sees more than the cap withdraws its record and answers 429. Of mints racing
// on several replicas none passes the cap; some may be refused that one
// replica alone would have let through.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PodprofError } from '../src/errors.ts';
import type { ProfileType } from '../src/endpoints/catalog.ts';
import type { User } from './auth/user.ts';
import { compose, digestOf, parseSecret, recordKey, untilOfKey, userTag, viaStore } from './shared/keys-of.ts';
import type { ObjectStore } from './shared/object-store.ts';
import { Sweeper } from './shared/sweep.ts';

export const LINK_USER = 'pprof';
export const LINK_TTL_MS = 5 * 60_000;
const RANDOM_CHARS = 32;
const OPEN = 'links';
const SPENT = 'links-spent';

interface LinkRecord {
  readonly user: { readonly name: string; readonly groups: readonly string[] };
  /** What it opens, as `scopeOf` writes it; also what a mismatch message names. */
  readonly scope: string;
}

const podScope = (namespace: string, pod: string, type: string): string => `${namespace}/${pod} ${type}`;
const captureScope = (id: string): string => `capture ${id}`;

export interface LinkLimits {
  /** Open links of one user (--max-links-per-user). */
  readonly perUser: number;
  /** Links this replica minted that are still open. */
  readonly total: number;
}

export const DEFAULT_LINK_LIMITS: LinkLimits = { perUser: 64, total: 100_000 };

export class LinkStore {
  /** Mints running on this replica, per user: counted until their record is listable. */
  private readonly minting = new Map<string, number>();
  /** Expiry of every link this replica minted and has not seen expire (the --total bound, per replica). */
  private readonly mine = new Map<string, number>();
  private readonly sweeper: Sweeper;

  constructor(
    private readonly store: ObjectStore,
    /** The shared key (shared/shared-key.ts); throws a 503 until it is loaded. */
    private readonly key: () => Buffer,
    readonly limits: LinkLimits = DEFAULT_LINK_LIMITS,
  ) {
    this.sweeper = new Sweeper(store, [OPEN, SPENT]);
  }

  /** A link to a live profile of one pod. */
  create(user: User, namespace: string, pod: string, type: ProfileType, now = Date.now()): Promise<string> {
    return this.mint(user, podScope(namespace, pod, type), now);
  }

  /** A link to a stored capture's file (profile.pb.gz or trace.out): what the UI shows, not a new profile. */
  createForCapture(user: User, id: string, now = Date.now()): Promise<string> {
    return this.mint(user, captureScope(id), now);
  }

  /** The user's open links: the untils of their records in the store. */
  private async openOf(tag: string, now: number): Promise<number[]> {
    const untils: number[] = [];
    for await (const o of this.store.list(`${OPEN}/${tag}/`)) {
      const until = untilOfKey(o.key);
      if (until >= now) untils.push(until);
    }
    return untils;
  }

  private async mint(user: User, scope: string, now: number): Promise<string> {
    for (const [d, until] of this.mine) if (until < now) this.mine.delete(d);
    if (this.mine.size >= this.limits.total)
      throw new PodprofError('PODPROF_THROTTLED', `this gateway holds ${this.limits.total} open links; retry when some expire`, 60);
    const tag = userTag(this.key(), user.name);
    const inFlight = this.minting.get(tag) ?? 0;
    this.minting.set(tag, inFlight + 1);
    try {
      const open = await viaStore(this.store.describe, () => this.openOf(tag, now));
      if (open.length + inFlight >= this.limits.perUser) {
        const soonest = Math.min(now + LINK_TTL_MS, ...open);
        throw new PodprofError(
          'PODPROF_THROTTLED',
          `${user.name} has ${this.limits.perUser} open links (--max-links-per-user); use them or let them expire`,
          Math.max(1, Math.ceil((soonest - now) / 1000)),
        );
      }
      const until = now + LINK_TTL_MS;
      const secret = compose(tag, until, randomBytes(24).toString('base64url'));
      const record: LinkRecord = { user: { name: user.name, groups: user.groups }, scope };
      const key = recordKey(OPEN, secret, tag, until);
      await viaStore(this.store.describe, async () => {
        await this.store.put(key, JSON.stringify(record));
        // Listed again once written: a mint racing on another replica is seen by one of the two, at least,
        // and a mint that sees more than the cap withdraws. Never over the cap; racing mints may both withdraw.
        if ((await this.openOf(tag, now)).length > this.limits.perUser) {
          await this.store.delete(key);
          throw new PodprofError(
            'PODPROF_THROTTLED',
            `${user.name} has ${this.limits.perUser} open links (--max-links-per-user), some made at this moment on other replicas`,
            1,
          );
        }
      });
      this.mine.set(digestOf(secret), until);
      return secret;
    } finally {
      const left = (this.minting.get(tag) ?? 1) - 1;
      if (left === 0) this.minting.delete(tag);
      else this.minting.set(tag, left);
      this.sweeper.soon(now);
    }
  }

  /** The link's owner, if the request carries a live link for exactly this pod and type; the link is spent. */
  redeem(req: IncomingMessage, namespace: string, pod: string, type: string, now = Date.now()): Promise<User | undefined> {
    return this.spend(req, podScope(namespace, pod, type), now);
  }

  /** The link's owner, if the request carries a live link for exactly this stored capture; the link is spent. */
  redeemCapture(req: IncomingMessage, id: string, now = Date.now()): Promise<User | undefined> {
    return this.spend(req, captureScope(id), now);
  }

  private async spend(req: IncomingMessage, scope: string, now: number): Promise<User | undefined> {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) return undefined;
    const [user, ...rest] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    if (user !== LINK_USER) return undefined;
    const secret = rest.join(':');
    const used = new PodprofError('PODPROF_LINK_INVALID', 'this link was already used or has expired');
    const parsed = parseSecret(secret, RANDOM_CHARS);
    if (!parsed || parsed.until < now) throw used;
    const key = recordKey(OPEN, secret, parsed.tag, parsed.until);
    const link = await viaStore(this.store.describe, async () => {
      const raw = await this.store.get(key);
      if (raw === undefined) return undefined;
      const won = await this.store.putIfAbsent(recordKey(SPENT, secret, parsed.tag, parsed.until), '');
      await this.store.delete(key);
      return won ? (JSON.parse(Buffer.from(raw).toString('utf8')) as LinkRecord) : undefined;
    });
    this.mine.delete(digestOf(secret));
    this.sweeper.soon(now);
    if (!link) throw used;
    if (link.scope !== scope) throw new PodprofError('PODPROF_LINK_INVALID', `this link is for ${link.scope}, not ${scope}`);
    return { name: link.user.name, groups: link.user.groups, via: 'link' };
  }

  /** Open links this replica minted (a bound per replica). */
  get size(): number {
    return this.mine.size;
  }
}
