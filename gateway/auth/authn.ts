// Authentication modes (docs/design.md §2.4): static tokens, Kubernetes TokenReview
// (cached, bounded), and a trusted auth proxy's X-Forwarded-User/Groups.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { BlockList, isIPv6 } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { PodprofError } from '../../src/errors.ts';
import type { IncomingMessage } from 'node:http';
import { addressKey } from '../../src/limits/address.ts';
import { RateLimiter, type RateLimits } from '../../src/limits/rate.ts';
import { TtlCache } from './cache.ts';
import { bearerOf, type Authenticator, type User } from './user.ts';

const invalid = (): PodprofError => new PodprofError('PODPROF_TOKEN_INVALID', 'the token was not accepted');

/** Static tokens: CSV lines `token,user,group1|group2` (the demo's default); the file is read again when it changes. */
export function staticAuth(tokensFile: string): Authenticator {
  const load = (): Array<{ digest: Buffer; user: User }> =>
    readFileSync(tokensFile, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((line) => {
        const [token = '', name = '', groups = ''] = line.split(',');
        if (token.length < 16 || name === '')
          throw new Error(`${tokensFile}: each line is token,user,groups with a token of 16+ characters`);
        return {
          digest: createHash('sha256').update(token).digest(),
          user: { name, groups: groups.split('|').filter((g) => g !== ''), via: 'token' as const },
        };
      });
  let entries = load();
  let version = statSync(tokensFile).mtimeMs;
  const current = (): typeof entries => {
    const now = statSync(tokensFile, { throwIfNoEntry: false })?.mtimeMs;
    if (now !== undefined && now !== version) {
      // A bad edit keeps the previous tokens rather than locking everyone out.
      try {
        entries = load();
        version = now;
      } catch {
        /* keep the last good list */
      }
    }
    return entries;
  };
  return (req) => {
    const token = bearerOf(req);
    if (token === undefined) return Promise.resolve(undefined);
    const digest = createHash('sha256').update(token).digest();
    const hit = current().find((e) => timingSafeEqual(e.digest, digest));
    return hit ? Promise.resolve(hit.user) : Promise.reject(invalid());
  };
}

/** The user a TokenReview names, if it authenticated the token for `audience` ('' : any). */
function reviewedUser(s: k8s.V1TokenReviewStatus | undefined, audience: string): User | null {
  const forUs = audience === '' || (s?.audiences ?? []).includes(audience);
  return s?.authenticated === true && s.user?.username && forUs
    ? { name: s.user.username, groups: s.user.groups ?? [], via: 'token' }
    : null;
}

/** TokenReviews the gateway asks for per source address: a flood of made-up tokens costs the API server nothing past it. */
export const REVIEW_RATE: RateLimits = { burst: 50, perSecond: 10, maxCallers: 10_000 };

/** Spends one review of the caller's address, or throws 429 saying when to retry. */
export function spendReview(limiter: RateLimiter, req: IncomingMessage): void {
  const wait = limiter.take(addressKey(req.socket?.remoteAddress));
  if (wait > 0)
    throw new PodprofError('PODPROF_THROTTLED', 'too many new tokens from this address; each is reviewed by the API server', wait);
}

/**
 * Kubernetes TokenReview with the gateway's own audience (--token-audience,
 * default podprof); results cached by token digest (valid 60 s, invalid 10 s);
 * reviews rate-limited per source address (REVIEW_RATE).
 * The API server must say the token is for that audience (status.audiences):
 * a token for the API server itself is refused, so the gateway never holds a
 * credential it could replay there. An empty audience takes the API server's
 * own (for clusters whose authenticators cannot carry another one).
 */
export function kubernetesAuth(kc: k8s.KubeConfig, audience: string, limiter = new RateLimiter(REVIEW_RATE)): Authenticator {
  const api = kc.makeApiClient(k8s.AuthenticationV1Api);
  const cache = new TtlCache<User | null>(10_000);
  return async (req) => {
    const token = bearerOf(req);
    if (token === undefined) return undefined;
    const key = createHash('sha256').update(token).digest('base64url');
    let user = cache.get(key);
    if (user === undefined) {
      spendReview(limiter, req);
      const review = await api.createTokenReview({
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token, audiences: audience ? [audience] : undefined },
        },
      });
      user = reviewedUser(review.status, audience);
      cache.set(key, user, user ? 60_000 : 10_000);
    }
    if (user === null)
      throw new PodprofError(
        'PODPROF_TOKEN_INVALID',
        audience === ''
          ? 'the token was not accepted'
          : `the token was not accepted for audience ${audience} (make one with: kubectl create token NAME --audience ${audience})`,
      );
    return user;
  };
}

/** A trusted auth proxy (e.g. oauth2-proxy) asserts the user; only from the configured addresses. */
export function proxyAuth(cidrs: readonly string[]): Authenticator {
  const trusted = new BlockList();
  for (const c of cidrs) {
    const [net = '', bits = '32'] = c.split('/');
    trusted.addSubnet(net, Number(bits), isIPv6(net) ? 'ipv6' : 'ipv4');
  }
  return (req) => {
    const addr = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const name = req.headers['x-forwarded-user'];
    if (typeof name !== 'string' || name === '') return Promise.resolve(undefined);
    if (!trusted.check(addr, isIPv6(addr) ? 'ipv6' : 'ipv4')) {
      return Promise.reject(new PodprofError('PODPROF_TOKEN_INVALID', `X-Forwarded-User from ${addr}, which is not a trusted proxy`));
    }
    const groups = String(req.headers['x-forwarded-groups'] ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter((g) => g !== '');
    return Promise.resolve({ name, groups, via: 'proxy' });
  };
}
