// The serving certificate: from files (reloaded when they change, as Secret
// volume updates do), or a self-signed ECDSA certificate made at start.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from '../log.ts';
import { createCertificate } from '../tls/x509.ts';

export interface TlsSource {
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly hostnames: readonly string[];
  readonly ips: readonly string[];
}

export function loadTls(src: TlsSource): SecureContextOptions {
  if (src.certFile !== undefined && src.keyFile !== undefined) {
    return { cert: readFileSync(src.certFile), key: readFileSync(src.keyFile) };
  }
  const c = createCertificate({ commonName: src.hostnames[0] ?? 'podprof-sidecar', dnsNames: src.hostnames, ipAddresses: src.ips });
  return { cert: c.certPem, key: c.keyPem };
}

/** Calls `apply` with fresh options whenever the files change. Returns a stop function. */
export function watchTls(src: TlsSource, apply: (o: SecureContextOptions) => void, log: Logger, intervalMs = 2000): () => void {
  if (src.certFile === undefined || src.keyFile === undefined) return () => undefined;
  const files = [src.certFile, src.keyFile];
  const reload = (): void => {
    try {
      apply(loadTls(src));
      log.info('serving certificate reloaded');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'serving certificate reload failed; keeping the previous one');
    }
  };
  for (const f of files) watchFile(f, { interval: intervalMs, persistent: false }, reload);
  return () => files.forEach((f) => unwatchFile(f, reload));
}
