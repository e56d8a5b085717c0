// Without --sidecar-ca-file the gateway makes its own sidecar CA once and keeps
// it in <store-dir>/.sidecar-ca/. Four processes starting at once on one store
// directory (replicas on one machine) end up with the same CA, never one
// process's certificate with another's key.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CA_MODULE = fileURLToPath(new URL('../../gateway/identity/ca.ts', import.meta.url));

/** A child process (its own process group) that loads the CA from `storeDir` and prints its source and certificate. */
function loadInChild(storeDir: string): Promise<string> {
  const code = `import { loadSidecarCa } from ${JSON.stringify(CA_MODULE)};
const ca = loadSidecarCa({ storeDir: ${JSON.stringify(storeDir)} });
process.stdout.write(JSON.stringify({ source: ca.source, cert: ca.trustPem, signs: Boolean(ca.signer) }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 60_000);
    child.once('exit', (status) => {
      clearTimeout(timer);
      if (status === 0) resolve(out);
      else reject(new Error(`exit ${status}: ${err}`));
    });
  });
}

test('four processes making the sidecar CA at once in one store directory agree on one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'podprof-ca-race-'));
  try {
    const seen = (await Promise.all([1, 2, 3, 4].map(() => loadInChild(dir)))).map(
      (o) => JSON.parse(o) as { source: string; cert: string; signs: boolean },
    );
    for (const s of seen) {
      assert.equal(s.source, join(dir, '.sidecar-ca'), 'kept in the store, not in memory');
      assert.ok(s.signs);
      assert.equal(s.cert, seen[0]!.cert);
    }
    assert.deepEqual(await readdir(dir), ['.sidecar-ca'], 'no temp directory is left');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
