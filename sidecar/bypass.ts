// The sidecar protects nothing if the app also serves pprof on the pod IP
// (e.g. it listens on 0.0.0.0:6060). Check for that at start and periodically.
import { request } from 'node:http';

export interface BypassState {
  /** true: pprof answers on the pod IP; false: it does not; undefined: not checked (no pod IP). */
  exposed: boolean | undefined;
  checkedAt?: string;
  detail?: string;
}

/** Resolves true when an HTTP server answers at http://podIp:port/prefix/. */
export function probeExposure(podIp: string, port: number, prefix: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: podIp, port, path: `${prefix}/`, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
