// What `podprof login` keeps per gateway: the ID token and refresh token the
// identity provider gave, in the user's config directory
// ($XDG_CONFIG_HOME/podprof/credentials/, else ~/.config/…), the directory
// 0700 and the file 0600. Later commands for that gateway send the ID token as
// their bearer token, refreshing it first when it has expired.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ProviderClient } from '../gateway/auth/oidc/provider.ts';

export interface StoredCredentials {
  readonly gateway: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly idToken: string;
  readonly refreshToken?: string;
  /** The --oidc-ca-file login used, to refresh later. */
  readonly oidcCaFile?: string;
}

/** A token this close to its expiry is refreshed before it is sent. */
const EARLY_MS = 30_000;

export function credentialsDir(): string {
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'podprof', 'credentials');
}

export function credentialsFile(gateway: URL): string {
  const key = createHash('sha256')
    .update(gateway.origin + gateway.pathname.replace(/\/+$/, ''))
    .digest('hex')
    .slice(0, 16);
  return join(credentialsDir(), `${key}.json`);
}

export function saveCredentials(gateway: URL, c: StoredCredentials): string {
  const file = credentialsFile(gateway);
  mkdirSync(credentialsDir(), { recursive: true, mode: 0o700 });
  chmodSync(credentialsDir(), 0o700);
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return file;
}

function load(gateway: URL): StoredCredentials | undefined {
  try {
    return JSON.parse(readFileSync(credentialsFile(gateway), 'utf8')) as StoredCredentials;
  } catch {
    return undefined;
  }
}

/** The `exp` of a JWT, unverified (the gateway verifies it), ms. */
export function expiryOf(idToken: string): number {
  try {
    const exp = (JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/** The stored ID token for this gateway, refreshed when it expired; undefined when `podprof login` never ran for it. */
export async function storedIdToken(gateway: URL): Promise<string | undefined> {
  const c = load(gateway);
  if (!c) return undefined;
  if (expiryOf(c.idToken) > Date.now() + EARLY_MS) return c.idToken;
  const again = `the ID token podprof login stored for ${gateway.origin} expired; run podprof login --gateway ${gateway.href} again`;
  if (c.refreshToken === undefined) throw new Error(again);
  const provider = new ProviderClient(c.issuer, c.oidcCaFile === undefined ? undefined : readFileSync(c.oidcCaFile));
  const a = await provider.token({ grant_type: 'refresh_token', refresh_token: c.refreshToken }, c.clientId, undefined);
  if (a.status !== 200 || typeof a.id_token !== 'string')
    throw new Error(`${again} (the provider refused the refresh: ${a.error ?? a.status})`);
  saveCredentials(gateway, { ...c, idToken: a.id_token, refreshToken: a.refresh_token ?? c.refreshToken });
  return a.id_token;
}
