// The one certificate a real node needs that the API server does not make itself:
// the API server's client certificate for the kubelet (port-forward, logs, exec), and
// the CA the kubelet trusts for it. Made with openssl, valid for two days.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';

export interface KubeletClientPki {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export function writeKubeletClientPki(dir: string): KubeletClientPki {
  const f = (n: string): string => join(dir, n);
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('kubelet-client-ca.key'),
    '-out',
    f('kubelet-client-ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=podprof-test-kubelet-client-ca',
  );
  ssl('req', ...ec, '-keyout', f('kubelet-client.key'), '-out', f('kubelet-client.csr'), '-subj', `/CN=${KUBELET_CLIENT_USER}`);
  writeFileSync(f('kubelet-client.ext'), 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  ssl(
    'x509',
    '-req',
    '-in',
    f('kubelet-client.csr'),
    '-CA',
    f('kubelet-client-ca.crt'),
    '-CAkey',
    f('kubelet-client-ca.key'),
    '-CAcreateserial',
    '-out',
    f('kubelet-client.crt'),
    '-days',
    '2',
    '-extfile',
    f('kubelet-client.ext'),
  );
  return { caFile: f('kubelet-client-ca.crt'), certFile: f('kubelet-client.crt'), keyFile: f('kubelet-client.key') };
}
