// The sidecar token contract (docs/design.md §2.3).
import type { ProfileType } from '../endpoints/catalog.ts';

export const DEFAULT_ISSUER = 'podprof-gateway';
export const DEFAULT_AUDIENCE = 'podprof-sidecar';
/** No sidecar token may live longer than this, whatever its claims say. */
export const MAX_TOKEN_LIFETIME_SECONDS = 300;
export const CLOCK_SKEW_SECONDS = 5;
export const MAX_TOKEN_BYTES = 4096;

export interface PodBinding {
  readonly namespace: string;
  readonly pod: string;
  readonly uid: string;
}

export interface Grant extends PodBinding {
  readonly type: ProfileType;
  /** The most `seconds` this token may ask for. */
  readonly maxSeconds: number;
}

export interface SidecarClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly iat: number;
  readonly nbf?: number;
  readonly exp: number;
  readonly jti: string;
  readonly podprof: Grant;
}
