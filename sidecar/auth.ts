// Who is asking, and may they ask this pod for this profile? (docs/design.md §2.3)
import type { IncomingMessage } from 'node:http';
import { PodprofError } from '../src/errors.ts';
import type { PprofRequest } from '../src/endpoints/policy.ts';
import type { PodBinding, SidecarClaims } from '../src/token/claims.ts';
import { verifySidecarToken } from '../src/token/verify.ts';
import type { KeyStore } from './keystore.ts';
import type { ReplayCache } from './replay.ts';

export interface AuthContext {
  readonly keys: KeyStore;
  readonly replay: ReplayCache;
  readonly self: PodBinding;
  readonly issuer: string;
  readonly audience: string;
}

const QUERY_SECRET = /(?:^|[?&])(?:token|access_token|jwt|auth|authorization|bearer)=/i;

/** A token must never travel in a URL, where proxies and logs keep it. */
export function refuseTokenInQuery(rawUrl: string): void {
  const q = rawUrl.indexOf('?');
  if (q !== -1 && QUERY_SECRET.test(rawUrl.slice(q))) {
    throw new PodprofError('PODPROF_TOKEN_IN_QUERY', 'a token was sent in the query string and was not read');
  }
}

function bearerToken(req: IncomingMessage): string {
  const h = req.headers.authorization;
  if (h === undefined || h === '') throw new PodprofError('PODPROF_UNAUTHENTICATED', 'no credentials');
  const m = /^Bearer ([^\s]+)$/i.exec(h);
  if (!m?.[1]) throw new PodprofError('PODPROF_TOKEN_INVALID', 'the Authorization header is not "Bearer <token>"');
  return m[1];
}

/** Verify the bearer token and its binding to this pod. Does not consume the jti. */
export async function authenticate(req: IncomingMessage, ctx: AuthContext): Promise<SidecarClaims> {
  const token = bearerToken(req);
  const opts = { issuer: ctx.issuer, audience: ctx.audience };
  let result = verifySidecarToken(token, ctx.keys.snapshot(), opts);
  if (!result.ok && result.unknownKid !== undefined && (await ctx.keys.refreshFor(result.unknownKid))) {
    result = verifySidecarToken(token, ctx.keys.snapshot(), opts);
  }
  if (!result.ok) throw new PodprofError('PODPROF_TOKEN_INVALID', result.reason);
  const g = result.claims.podprof;
  if (g.namespace !== ctx.self.namespace || g.pod !== ctx.self.pod || g.uid !== ctx.self.uid) {
    throw new PodprofError(
      'PODPROF_TOKEN_WRONG_POD',
      `token is for pod ${g.namespace}/${g.pod}, this is ${ctx.self.namespace}/${ctx.self.pod}`,
    );
  }
  return result.claims;
}

/** The token's grant must cover this exact request; then its jti is spent. */
export function authorize(claims: SidecarClaims, request: PprofRequest, replay: ReplayCache): void {
  const g = claims.podprof;
  if (g.type !== request.type) {
    throw new PodprofError('PODPROF_TOKEN_WRONG_TYPE', `token allows ${g.type}, request is for ${request.type}`);
  }
  if (request.seconds > g.maxSeconds) {
    throw new PodprofError('PODPROF_TOKEN_SECONDS', `token allows at most ${g.maxSeconds}s, request asks for ${request.seconds}s`);
  }
  spend(claims, replay);
}

/** Spends the token's jti (a token works once), or refuses it. */
export function spend(claims: SidecarClaims, replay: ReplayCache): void {
  const use = replay.use(claims.jti, claims.exp, claims.sub);
  if (use === 'replayed') throw new PodprofError('PODPROF_TOKEN_REPLAYED', 'this token was already used');
  if (use === 'full')
    throw new PodprofError(
      'PODPROF_THROTTLED',
      `this pod holds the ids of too many live tokens of ${claims.sub}; they expire within minutes`,
      30,
    );
}
