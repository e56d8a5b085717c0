// Verifies a sidecar token. Never trusts decode(): the header is read only to pick
// the key; the signature is checked with the algorithm pinned to ES256, and
// exp, iat, aud and iss are required.
import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { PROFILE_TYPES } from '../endpoints/catalog.ts';
import { CLOCK_SKEW_SECONDS, MAX_TOKEN_BYTES, MAX_TOKEN_LIFETIME_SECONDS, type SidecarClaims } from './claims.ts';

export interface VerifyOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly now?: number;
}

export type VerifyResult =
  | { ok: true; claims: SidecarClaims }
  | { ok: false; reason: string; unknownKid?: string };

const JWT_SHAPE = /^[A-Za-z0-9_-]{10,200}\.[A-Za-z0-9_-]{10,3000}\.[A-Za-z0-9_-]{10,200}$/;

function headerOf(token: string): { alg?: unknown; kid?: unknown } | undefined {
  try {
    const h: unknown = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
    return typeof h === 'object' && h !== null ? h : undefined;
  } catch {
    return undefined;
  }
}

function isStr(v: unknown, max = 253): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= max;
}

function claimsShapeProblem(p: Record<string, unknown>): string | undefined {
  if (typeof p.exp !== 'number') return 'token has no exp';
  if (typeof p.iat !== 'number') return 'token has no iat';
  if (p.exp - p.iat > MAX_TOKEN_LIFETIME_SECONDS) return `token lifetime exceeds ${MAX_TOKEN_LIFETIME_SECONDS}s`;
  if (!isStr(p.jti, 128)) return 'token has no jti';
  if (!isStr(p.sub, 512)) return 'token has no subject';
  const g = p.podprof as Record<string, unknown> | undefined;
  if (typeof g !== 'object' || g === null) return 'token has no podprof grant';
  if (!isStr(g.namespace) || !isStr(g.pod) || !isStr(g.uid)) return 'token grant names no pod';
  if (!(PROFILE_TYPES as readonly unknown[]).includes(g.type)) return 'token grant names no profile type';
  if (typeof g.maxSeconds !== 'number' || !(g.maxSeconds >= 0)) return 'token grant has no maxSeconds';
  return undefined;
}

export function verifySidecarToken(token: string, keys: ReadonlyMap<string, KeyObject>, opts: VerifyOptions): VerifyResult {
  if (token.length > MAX_TOKEN_BYTES || !JWT_SHAPE.test(token)) return { ok: false, reason: 'token is malformed' };
  const header = headerOf(token);
  if (header?.alg !== 'ES256') return { ok: false, reason: 'token algorithm must be ES256' };
  if (!isStr(header.kid, 128)) return { ok: false, reason: 'token has no kid' };
  const key = keys.get(header.kid);
  if (!key) return { ok: false, reason: 'token signed by an unknown key', unknownKid: header.kid };
  let payload: unknown;
  try {
    payload = jwt.verify(token, key, {
      algorithms: ['ES256'],
      audience: opts.audience,
      issuer: opts.issuer,
      clockTolerance: CLOCK_SKEW_SECONDS,
      maxAge: `${MAX_TOKEN_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS}s`,
      clockTimestamp: Math.floor((opts.now ?? Date.now()) / 1000),
    });
  } catch (err) {
    return { ok: false, reason: `token rejected: ${(err as Error).message}` };
  }
  if (typeof payload !== 'object' || payload === null) return { ok: false, reason: 'token payload is not an object' };
  const problem = claimsShapeProblem(payload as Record<string, unknown>);
  if (problem !== undefined) return { ok: false, reason: problem };
  return { ok: true, claims: payload as SidecarClaims };
}
