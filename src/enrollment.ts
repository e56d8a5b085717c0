// The sidecar enrollment contract (docs/security.md "Sidecar certificates"),
// shared by the webhook (which mounts the token), the sidecar (which presents
// it) and the gateway (which reviews it and signs).
/** Audience of the projected ServiceAccount token a sidecar enrolls with. */
export const ENROLL_AUDIENCE = 'podprof-sidecar';
/** Where on the gateway sidecars enroll. */
export const ENROLL_PATH = '/sidecar/v1/certificates';
/** Where the webhook mounts the token in the sidecar. */
export const TOKEN_DIR = '/var/run/secrets/podprof';
export const TOKEN_FILE = `${TOKEN_DIR}/token`;
