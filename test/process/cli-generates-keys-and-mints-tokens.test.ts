// The CLI contract: `podprof keys generate` and `podprof token mint`, as a user runs them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseJwks } from '../../src/token/keys.ts';
import { verifySidecarToken } from '../../src/token/verify.ts';
import { NODE, REPO } from '../kit/product/sidecar.ts';

const podprof = (...args: string[]): ReturnType<typeof spawnSync> =>
  spawnSync(NODE, [join(REPO, 'bin/podprof.mjs'), ...args], { encoding: 'utf8' });

test('keys generate writes an ES256 key (0600) and its JWKS; token mint makes a token the JWKS verifies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-cli-'));
  const gen = podprof('keys', 'generate', '--out-dir', dir);
  assert.equal(gen.status, 0, String(gen.stderr));
  assert.equal(statSync(join(dir, 'signing-key.pem')).mode & 0o777, 0o600);
  const keys = parseJwks(readFileSync(join(dir, 'jwks.json'), 'utf8'));
  assert.equal(keys.size, 1);
  const mint = podprof(
    'token',
    'mint',
    '--key-file',
    join(dir, 'signing-key.pem'),
    '--namespace',
    'ns',
    '--pod',
    'p',
    '--uid',
    'u',
    '--type',
    'profile',
    '--seconds',
    '15',
    '--ttl',
    '90s',
    '--subject',
    'bob',
  );
  assert.equal(mint.status, 0, String(mint.stderr));
  const result = verifySidecarToken(String(mint.stdout).trim(), keys, { issuer: 'podprof-gateway', audience: 'podprof-sidecar' });
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.claims.podprof, { namespace: 'ns', pod: 'p', uid: 'u', type: 'profile', maxSeconds: 15 });
  assert.equal(result.claims.sub, 'bob');
  assert.equal(result.claims.exp - result.claims.iat, 90);
});

test('token mint refuses a lifetime over the cap and an unknown type, naming both', () => {
  const r = podprof(
    'token',
    'mint',
    '--key-file',
    '/nonexistent',
    '--namespace',
    'ns',
    '--pod',
    'p',
    '--uid',
    'u',
    '--type',
    'cpu',
    '--ttl',
    '1h',
  );
  assert.equal(r.status, 2);
  assert.match(String(r.stderr), /--type: "cpu" is invalid/);
  assert.match(String(r.stderr), /--ttl: "1h" is invalid/);
});

test('podprof --help lists the commands; an unknown command exits 2', () => {
  const help = podprof('--help');
  assert.equal(help.status, 0);
  assert.match(String(help.stdout), /sidecar[\s\S]*keys[\s\S]*token/);
  assert.equal(podprof('nope').status, 2);
  const sidecarHelp = podprof('sidecar', '--help');
  assert.match(String(sidecarHelp.stdout), /--max-response-bytes/);
});
