// The serving certificate is reloaded when its files change (Secret rotation);
// without files the sidecar makes a self-signed ECDSA certificate.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { createCertificate } from '../../src/tls/x509.ts';
import { makeKeys, startInProcess } from '../kit/product/sidecar.ts';
import { waitFor } from '../kit/cluster/http.ts';

const keys = makeKeys();

function servedCert(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const raw = s.getPeerX509Certificate();
      s.destroy();
      if (raw) resolve(raw);
      else reject(new Error('no certificate'));
    });
    s.on('error', reject);
  });
}

function writeCert(dir: string, cn: string): void {
  const c = createCertificate({ commonName: cn, dnsNames: [cn] });
  writeFileSync(join(dir, 'tls.key.tmp'), c.keyPem);
  writeFileSync(join(dir, 'tls.crt.tmp'), c.certPem);
  renameSync(join(dir, 'tls.key.tmp'), join(dir, 'tls.key'));
  renameSync(join(dir, 'tls.crt.tmp'), join(dir, 'tls.crt'));
}

test('a changed certificate file is served to new connections without a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-tls-'));
  writeCert(dir, 'first.podprof.test');
  const s = await startInProcess(keys, 'http://127.0.0.1:1', [
    '--tls-cert-file',
    join(dir, 'tls.crt'),
    '--tls-key-file',
    join(dir, 'tls.key'),
  ]);
  try {
    assert.match((await servedCert(s.port)).subject, /CN=first\.podprof\.test/);
    await new Promise((r) => setTimeout(r, 1100));
    writeCert(dir, 'second.podprof.test');
    let subject = '';
    for (let i = 0; i < 40 && !subject.includes('second'); i++) {
      await new Promise((r) => setTimeout(r, 150));
      subject = (await servedCert(s.port)).subject;
    }
    assert.match(subject, /CN=second\.podprof\.test/);
    // Log lines reach a child's output in batches (within 100 ms): wait for it.
    await waitFor('the reload log line', () => s.logs.some((l) => l.includes('serving certificate reloaded')), 3000);
  } finally {
    await s.close();
  }
});

test('without certificate files the sidecar serves a self-signed ECDSA certificate for its pod', async () => {
  const s = await startInProcess(keys, 'http://127.0.0.1:1');
  try {
    const cert = await servedCert(s.port);
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
    assert.equal(cert.subject, cert.issuer);
  } finally {
    await s.close();
  }
});

test('--tls-cert-file without --tls-key-file is a configuration error naming both', async () => {
  const { spawnSync } = await import('node:child_process');
  const { NODE, REPO } = await import('../kit/product/sidecar.ts');
  const r = spawnSync(
    NODE,
    [
      join(REPO, 'bin/podprof.mjs'),
      'sidecar',
      '--tls-cert-file',
      '/x.crt',
      '--pod-namespace',
      'a',
      '--pod-name',
      'b',
      '--pod-uid',
      'c',
      '--jwks-file',
      keys.jwksFile,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--tls-cert-file and --tls-key-file: give both or neither/);
});
