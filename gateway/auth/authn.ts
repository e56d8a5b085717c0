// Authentication modes (docs/design.md §2.4): static tokens, Kubernetes TokenReview
// (cached, bounded), and a trusted auth proxy's X-Forwarded-User/Groups.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BlockList, isIPv6 } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { PodprofError } from '../../src/errors.ts';
import { TtlCache } from './cache.ts';
import { bearerOf, type Authenticator, type User } from './user.ts';

const invalid = (): PodprofError => new PodprofError('PODPROF_TOKEN_INVALID', 'the token was not accepted');

/** Static tokens: CSV lines `token,user,group1|group2` (the demo's default). */
export function staticAuth(tokensFile: string): Authenticator {
  const entries = readFileSync(tokensFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((line) => {
    const [token = '', name = '', groups = ''] = line.split(',');
    if (token.length < 16 || name === '') throw new Error(`${tokensFile}: each line is token,user,groups with a token of 16+ characters`);
    return { digest: createHash('sha256').update(token).digest(), user: { name, groups: groups.split('|').filter((g) => g !== ''), via: 'token' as const } };
  });
  return (req) => {
    const token = bearerOf(req);
    if (token === undefined) return Promise.resolve(undefined);
    const digest = createHash('sha256').update(token).digest();
    const hit = entries.find((e) => timingSafeEqual(e.digest, digest));
    return hit ? Promise.resolve(hit.user) : Promise.reject(invalid());
  };
}

/** Kubernetes TokenReview; results cached by token digest (valid 60 s, invalid 10 s). */
export function kubernetesAuth(kc: k8s.KubeConfig, audience: string | undefined): Authenticator {
  const api = kc.makeApiClient(k8s.AuthenticationV1Api);
  const cache = new TtlCache<User | null>(10_000);
  return async (req) => {
    const token = bearerOf(req);
    if (token === undefined) return undefined;
    const key = createHash('sha256').update(token).digest('base64url');
    let user = cache.get(key);
    if (user === undefined) {
      const review = await api.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: audience ? [audience] : undefined } } });
      const s = review.status;
      user = s?.authenticated === true && s.user?.username ? { name: s.user.username, groups: s.user.groups ?? [], via: 'token' } : null;
      cache.set(key, user, user ? 60_000 : 10_000);
    }
    if (user === null) throw invalid();
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
    const groups = String(req.headers['x-forwarded-groups'] ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
    return Promise.resolve({ name, groups, via: 'proxy' });
  };
}
