// The webhook injects the gateway's keys and CA inline (PODPROF_JWKS,
// PODPROF_JWKS_CA), so an injected sidecar needs no volume.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFlags } from '../../src/config/flags.ts';
import { createLogger } from '../../src/log.ts';
import { generateSigningKey } from '../../src/token/keys.ts';
import { mintSidecarToken } from '../../src/token/sign.ts';
import { SIDECAR_FLAGS, sidecarConfigProblems } from '../../sidecar/config.ts';
import { startSidecar } from '../../sidecar/server.ts';
import { startGoTarget } from '../../demo/go-target.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { POD } from '../kit/product/sidecar.ts';

test('PODPROF_JWKS alone is enough to verify gateway tokens', async () => {
  const key = generateSigningKey();
  const target = await startGoTarget({ listen: '127.0.0.1:0' });
  const env = {
    PODPROF_JWKS: JSON.stringify({ keys: [key.publicJwk] }),
    POD_NAMESPACE: POD.namespace,
    POD_NAME: POD.pod,
    POD_UID: POD.uid,
  };
  const config = parseFlags(
    SIDECAR_FLAGS,
    ['--listen', '127.0.0.1:0', '--health-listen', '127.0.0.1:0', '--upstream', target.url, '--bypass-check-interval', '0'],
    env,
  );
  assert.deepEqual(sidecarConfigProblems(config), []);
  const { Writable } = await import('node:stream');
  const s = await startSidecar(config, createLogger('t', { destination: new Writable({ write: (_c, _e, cb) => cb() }) }));
  try {
    const token = mintSidecarToken(key, { subject: 'alice', ttlSeconds: 30, grant: { ...POD, type: 'heap', maxSeconds: 0 } });
    const r = await httpsRequest(`https://127.0.0.1:${s.ports.main}/debug/pprof/heap`, { headers: bearer(token) });
    assert.equal(r.status, 200, r.text);
  } finally {
    await s.close(100);
    await target.stop();
  }
});

test('a sidecar with no key source at all refuses to start, naming the flags', () => {
  const config = parseFlags(SIDECAR_FLAGS, [], { POD_NAMESPACE: 'a', POD_NAME: 'b', POD_UID: 'c' });
  assert.match(sidecarConfigProblems(config).join('\n'), /--jwks-file, --jwks or --jwks-url/);
});
