import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { createCertificate } from '../../src/tls/x509.ts';

test('a CA-signed leaf verifies against its CA and carries its SANs', () => {
  const ca = createCertificate({ commonName: 'podprof-ca', isCA: true });
  const leaf = createCertificate({
    commonName: 'webhook',
    dnsNames: ['podprof-webhook.podprof-system.svc'],
    ipAddresses: ['127.0.0.1', '::1'],
    issuer: { commonName: 'podprof-ca', key: ca.key },
  });
  const caCert = new X509Certificate(ca.certPem);
  const cert = new X509Certificate(leaf.certPem);
  assert.ok(caCert.ca);
  assert.ok(!cert.ca);
  assert.ok(cert.verify(caCert.publicKey));
  assert.ok(cert.checkIssued(caCert));
  assert.equal(cert.subjectAltName, 'DNS:podprof-webhook.podprof-system.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.ok(new Date(cert.validTo).getTime() > Date.now() + 300 * 86_400_000);
});

test('a self-signed certificate verifies against itself', () => {
  const c = createCertificate({ commonName: 'sidecar', dnsNames: ['localhost'] });
  const cert = new X509Certificate(c.certPem);
  assert.ok(cert.verify(cert.publicKey));
  assert.equal(cert.subject, 'CN=sidecar');
});
