// Binding a server to a --listen address, and closing one as a promise.
import type { AddressInfo, Server } from 'node:net';

/** Listen on { host, port } (empty host: all interfaces); resolves with the bound port. */
export function listen(server: Server, addr: { host: string; port: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host === '' ? undefined : addr.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
