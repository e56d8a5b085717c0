import type { IncomingMessage } from 'node:http';
import { PodprofError } from '../errors.ts';

/** Read a request body up to `max` bytes: 413 beyond it (checked on Content-Length first), 400 when cut off. */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > max) {
      reject(new PodprofError('PODPROF_REQUEST_TOO_LARGE', `request body over ${max} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= max) {
        chunks.push(c);
        return;
      }
      // Stop buffering, discard the rest, and let the caller answer 413; the
      // error response closes the connection (sendError sets Connection: close).
      req.off('data', onData);
      chunks.length = 0;
      req.resume();
      reject(new PodprofError('PODPROF_REQUEST_TOO_LARGE', `request body over ${max} bytes`));
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => reject(new PodprofError('PODPROF_BAD_REQUEST', 'the request body was cut off')));
    req.on('aborted', () => reject(new PodprofError('PODPROF_BAD_REQUEST', 'the request body was cut off')));
  });
}
