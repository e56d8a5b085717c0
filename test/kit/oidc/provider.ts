// A real OpenID provider (test/kit/oidc/provider/main.go: zitadel/oidc's op
// package with its example's in-memory storage and login page), built from the
// Go module proxy into the podprof cache, serving HTTPS on 127.0.0.1 with a
// certificate from a CA the test makes. It runs in its own process group and
// is stopped as a group. `requests(path)` counts what it served (its stderr
// logs "request METHOD PATH"), so a test sees how often the gateway fetched keys.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Page } from 'playwright-core';
import { buildGo } from '../../../demo/go-build.ts';
import { createCertificate } from '../../../src/tls/x509.ts';
import { killOnExit } from '../cluster/exit-hooks.ts';
import { signalGroup } from '../cluster/proc.ts';

const SOURCE = fileURLToPath(new URL('./provider/', import.meta.url));

export interface OidcUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly groups: readonly string[];
}

export interface OidcClient {
  readonly id: string;
  /** Absent: a public client (PKCE only), as podprof's CLI is. */
  readonly secret?: string;
  /** Loopback ones match any port (RFC 8252). */
  readonly redirectURIs: readonly string[];
  readonly idTokenSeconds?: number;
}

export interface OidcProvider {
  /** https://127.0.0.1:PORT, as its tokens name it. */
  readonly issuer: string;
  /** The CA of its serving certificate. */
  readonly caFile: string;
  readonly pid: number;
  /** Requests it served whose path is `path`. */
  requests(path: string): number;
  stderr(): string;
  close(): Promise<void>;
}

/** The provider's binary, built once per source hash (npm run oidc-provider:build builds it ahead). */
export function buildOidcProvider(): Promise<string> {
  return buildGo(SOURCE, 'oidc-provider');
}

export async function startOidcProvider(o: { users: readonly OidcUser[]; clients: readonly OidcClient[] }): Promise<OidcProvider> {
  const bin = await buildOidcProvider();
  const dir = mkdtempSync(join(tmpdir(), 'podprof-oidc-'));
  const ca = createCertificate({ commonName: 'podprof test OIDC CA', isCA: true, days: 2 });
  const leaf = createCertificate({
    commonName: 'oidc 127.0.0.1',
    ipAddresses: ['127.0.0.1'],
    days: 1,
    issuer: { commonName: 'podprof test OIDC CA', key: ca.key },
  });
  const files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), config: join(dir, 'config.json') };
  writeFileSync(files.ca, ca.certPem);
  writeFileSync(files.cert, leaf.certPem);
  writeFileSync(files.key, leaf.keyPem, { mode: 0o600 });
  writeFileSync(files.config, JSON.stringify({ users: o.users, clients: o.clients.map((c) => ({ ...c, secret: c.secret ?? '' })) }));
  const child = spawn(
    bin,
    ['--listen', '127.0.0.1:0', '--tls-cert-file', files.cert, '--tls-key-file', files.key, '--config', files.config],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  const pid = child.pid!;
  const killGroup = (signal: NodeJS.Signals): void => signalGroup(pid, signal);
  const unregister = killOnExit(() => killGroup('SIGKILL'));
  const served = new Map<string, number>();
  let stderr = '';
  createInterface({ input: child.stderr }).on('line', (line) => {
    const m = /^request \S+ (\S+)$/.exec(line);
    if (m) served.set(m[1]!, (served.get(m[1]!) ?? 0) + 1);
    else stderr += `${line}\n`;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the OIDC provider did not start: ${stderr}`)), 15_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { issuer: string }).issuer);
    });
    void exited.then(() => reject(new Error(`the OIDC provider exited: ${stderr}`)));
  });
  return {
    issuer,
    caFile: files.ca,
    pid,
    requests: (path) => served.get(path) ?? 0,
    stderr: () => stderr,
    async close() {
      killGroup('SIGTERM');
      const t = setTimeout(() => killGroup('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      unregister();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in on the provider's own login page (the example's username/password form), in a page already sent there. */
export async function signInAtProvider(page: Page, user: Pick<OidcUser, 'username' | 'password'>): Promise<void> {
  await page.waitForSelector('input[name=username]');
  await page.fill('input[name=username]', user.username);
  await page.fill('input[name=password]', user.password);
  await page.click('button[type=submit]');
}
