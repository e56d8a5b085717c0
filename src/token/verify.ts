// Verifies a sidecar token. Never trusts decode(): the header is read only to pick
// the key; the signature is checked with the algorithm pinned to ES256 (raw
// r||s, RFC 7518 §3.4) before any claim is read, and exp, iat, aud and iss are
// required. node:crypto does it directly with the KeyObject the key store
// parsed once: jsonwebtoken (which the gateway signs with) and its dependencies
// add ~1 MiB loaded from node_modules, and parse the token a second time.
import { verify as verifySignature, type KeyObject } from 'node:crypto';
import { PROFILE_TYPES } from '../endpoints/catalog.ts';
import { CLOCK_SKEW_SECONDS, MAX_TOKEN_BYTES, MAX_TOKEN_LIFETIME_SECONDS, type SidecarClaims } from './claims.ts';

export interface VerifyOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly now?: number;
}

export type VerifyResult = { ok: true; claims: SidecarClaims } | { ok: false; reason: string; unknownKid?: string };

const JWT_SHAPE = /^[A-Za-z0-9_-]{10,200}\.[A-Za-z0-9_-]{10,3000}\.[A-Za-z0-9_-]{10,200}$/;

/** A base64url JSON object, or undefined. */
function jsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
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

/** exp, nbf and iat against the clock, each with CLOCK_SKEW_SECONDS of tolerance. */
function timeProblem(p: Record<string, unknown>, now: number): string | undefined {
  const exp = p.exp as number;
  const iat = p.iat as number;
  if (now >= exp + CLOCK_SKEW_SECONDS) return 'token rejected: token expired';
  if (p.nbf !== undefined && (typeof p.nbf !== 'number' || now < p.nbf - CLOCK_SKEW_SECONDS)) return 'token rejected: token not active yet';
  if (iat > now + CLOCK_SKEW_SECONDS) return 'token rejected: token issued in the future';
  if (now >= iat + MAX_TOKEN_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) return 'token rejected: token too old';
  return undefined;
}

function bindingProblem(p: Record<string, unknown>, opts: VerifyOptions): string | undefined {
  if (p.iss !== opts.issuer) return `token rejected: issuer must be ${opts.issuer}`;
  // One audience, as the gateway mints it: a list (RFC 7519 allows one) is refused.
  if (p.aud !== opts.audience) return `token rejected: audience must be ${opts.audience}`;
  return undefined;
}

/** ES256 over header.payload with a P-256 key, the signature raw r||s. */
function signatureProblem(token: string, dot: number, key: KeyObject): string | undefined {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return 'token key is not a P-256 key';
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  if (signature.length !== 64) return 'token rejected: an ES256 signature is 64 bytes';
  if (!verifySignature('sha256', Buffer.from(token.slice(0, dot)), { key, dsaEncoding: 'ieee-p1363' }, signature))
    return 'token rejected: invalid signature';
  return undefined;
}

export function verifySidecarToken(token: string, keys: ReadonlyMap<string, KeyObject>, opts: VerifyOptions): VerifyResult {
  if (token.length > MAX_TOKEN_BYTES || !JWT_SHAPE.test(token)) return { ok: false, reason: 'token is malformed' };
  const header = jsonPart(token.slice(0, token.indexOf('.')));
  if (header?.alg !== 'ES256') return { ok: false, reason: 'token algorithm must be ES256' };
  if (!isStr(header.kid, 128)) return { ok: false, reason: 'token has no kid' };
  const key = keys.get(header.kid);
  if (!key) return { ok: false, reason: 'token signed by an unknown key', unknownKid: header.kid };
  const dot = token.lastIndexOf('.');
  const bad = signatureProblem(token, dot, key);
  if (bad !== undefined) return { ok: false, reason: bad };
  const payload = jsonPart(token.slice(token.indexOf('.') + 1, dot));
  if (payload === undefined) return { ok: false, reason: 'token payload is not an object' };
  const problem =
    claimsShapeProblem(payload) ?? timeProblem(payload, Math.floor((opts.now ?? Date.now()) / 1000)) ?? bindingProblem(payload, opts);
  if (problem !== undefined) return { ok: false, reason: problem };
  return { ok: true, claims: payload as unknown as SidecarClaims };
}
