// Free TCP ports on 127.0.0.1: listen on port 0 (the kernel picks), then close.
// All requested ports are held open at the same time so they are distinct.
// There is an unavoidable small race until the real server binds the port.
import { createServer, type Server } from 'node:net';

function listenOnRandomPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

function close(srv: Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnRandomPort());
    return servers.map((s) => {
      const addr = s.address();
      if (addr === null || typeof addr === 'string') throw new Error('unexpected server address');
      return addr.port;
    });
  } finally {
    await Promise.all(servers.map(close));
  }
}
