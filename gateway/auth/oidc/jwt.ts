// A compact JWS, taken apart without trusting any of it (pure): header, claims,
// the signed bytes and the signature. Signature checks are in verifier.ts.
import { PodprofError } from '../../../src/errors.ts';

export interface JwtParts {
  readonly header: { readonly alg?: unknown; readonly kid?: unknown; readonly typ?: unknown; readonly crit?: unknown };
  readonly claims: Readonly<Record<string, unknown>>;
  /** `header.payload`, the bytes the signature covers. */
  readonly signed: Buffer;
  readonly signature: Buffer;
}

/** Larger than any ID token a provider issues; an Authorization header is capped before this anyway. */
export const MAX_JWT_CHARS = 16 * 1024;

const B64URL = /^[A-Za-z0-9_-]*$/;

function json(part: string, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw notJwt(`its ${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

const notJwt = (why: string): PodprofError => new PodprofError('PODPROF_TOKEN_INVALID', `the token is not a signed JWT: ${why}`);

/** Is this shaped like a JWT (three base64url parts)? Nothing is decoded. */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return token.length <= MAX_JWT_CHARS && parts.length === 3 && parts.every((p) => B64URL.test(p));
}

export function parseJwt(token: string): JwtParts {
  if (token.length > MAX_JWT_CHARS) throw notJwt(`longer than ${MAX_JWT_CHARS} characters`);
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL.test(p))) throw notJwt('want three base64url parts');
  const [h = '', p = '', s = ''] = parts;
  return {
    header: json(h, 'header'),
    claims: json(p, 'payload'),
    signed: Buffer.from(`${h}.${p}`),
    signature: Buffer.from(s, 'base64url'),
  };
}

/** The `iss` a JWT claims, unverified (to route it to the right verifier), or undefined. */
export function claimedIssuer(token: string): string | undefined {
  if (!looksLikeJwt(token)) return undefined;
  try {
    const iss = parseJwt(token).claims.iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}
