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

export interface BypassCheck {
  readonly podIp: string | undefined;
  readonly port: number;
  readonly prefix: string;
  /** 0: only at start. */
  readonly everyMs: number;
}

/** Checks now and every `everyMs`, updating `state` and calling `onChange`; returns a stop function. */
export function startBypassCheck(o: BypassCheck, state: BypassState, onChange: (s: BypassState) => void): () => void {
  const podIp = o.podIp;
  if (podIp === undefined || podIp === '') {
    state.detail = 'no pod IP (--pod-ip / POD_IP); not checked';
    onChange(state);
    return () => undefined;
  }
  const check = async (): Promise<void> => {
    const exposed = await probeExposure(podIp, o.port, o.prefix);
    Object.assign(state, {
      exposed,
      checkedAt: new Date().toISOString(),
      detail: exposed
        ? `pprof answers on ${podIp}:${o.port}: the app listens beyond loopback and anyone in the cluster can bypass the sidecar`
        : `pprof does not answer on ${podIp}:${o.port}`,
    });
    onChange(state);
  };
  void check();
  const timer = o.everyMs > 0 ? setInterval(() => void check(), o.everyMs) : undefined;
  timer?.unref();
  return () => clearInterval(timer);
}
