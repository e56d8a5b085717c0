// Value parsers for flags. Each takes the raw string and returns the value or
// throws an Error whose message says what is allowed.
import { isIP } from 'node:net';

export type Parser<T> = (raw: string) => T;

export const str: Parser<string> = (raw) => raw;

export function int(min: number, max: number): Parser<number> {
  return (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`want a whole number from ${min} to ${max}`);
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`want a whole number from ${min} to ${max}`);
    return n;
  };
}

export const bool: Parser<boolean> = (raw) => {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new Error('want true or false');
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations ("500ms", "30s", "1m30s", "2h"); a bare number is seconds. Returns milliseconds. */
export function parseDuration(raw: string): number {
  const s = raw.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const parts = [...s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== s) {
    throw new Error('want a duration like 500ms, 30s, 5m or 1h');
  }
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] ?? 's'] ?? 0), 0));
}

export function duration(minMs: number, maxMs: number): Parser<number> {
  return (raw) => {
    const ms = parseDuration(raw);
    if (ms < minMs || ms > maxMs) throw new Error(`want a duration from ${minMs}ms to ${maxMs / 1000}s`);
    return ms;
  };
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** Byte sizes: "1048576", "64KiB", "100MB", "2GiB". */
export function bytes(min: number, max: number): Parser<number> {
  return (raw) => {
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
    const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
    if (!m || unit === undefined) throw new Error('want a size like 1048576, 64KiB, 100MB or 2GiB');
    const n = Math.round(Number(m[1]) * unit);
    if (n < min || n > max) throw new Error(`want a size from ${min} to ${max} bytes`);
    return n;
  };
}

export function oneOf<const T extends string>(choices: readonly T[]): Parser<T> {
  return (raw) => {
    if (!(choices as readonly string[]).includes(raw)) throw new Error(`want one of ${choices.join(', ')}`);
    return raw as T;
  };
}

export function list<T>(item: Parser<T>): Parser<readonly T[]> {
  return (raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(item);
}

/** "host:port" or ":port" → { host, port }; an empty host means all interfaces. */
export const listenAddress: Parser<{ host: string; port: number }> = (raw) => {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(raw.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new Error('want host:port or :port, e.g. :8443 or 127.0.0.1:8443');
  const host = m[1] ?? m[2] ?? '';
  if (host !== '' && host !== 'localhost' && isIP(host) === 0) throw new Error('want an IP address or localhost as host');
  return { host, port };
};

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** An http:// URL on a loopback address: the only upstream a sidecar may forward to. */
export const loopbackHttpUrl: Parser<URL> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('want a URL like http://127.0.0.1:6060');
  }
  if (url.protocol !== 'http:') throw new Error('want an http:// URL (the app serves pprof in plain HTTP on loopback)');
  if (!isLoopbackHost(url.hostname)) {
    throw new Error(
      `the upstream must be a loopback address (127.0.0.0/8, ::1 or localhost), not ${url.hostname}: the sidecar only guards the pod's own loopback pprof`,
    );
  }
  if (url.pathname !== '/' || url.search !== '' || url.username !== '')
    throw new Error('want scheme, host and port only; set the path with --path-prefix');
  return url;
};

export const httpsUrl: Parser<URL> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('want an https:// URL');
  }
  if (url.protocol !== 'https:') throw new Error('want an https:// URL');
  return url;
};

export const pathPrefix: Parser<string> = (raw) => {
  const p = raw.trim().replace(/\/+$/, '');
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(p) || p.includes('//') || p.split('/').some((seg) => seg === '..' || seg === '.')) {
    throw new Error('want an absolute path like /debug/pprof');
  }
  return p;
};
