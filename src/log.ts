// The pino logger. Secrets never reach a log line: headers that carry credentials
// are redacted, and URLs are logged without their query string or userinfo.
import { pino, type Logger } from 'pino';
import { batchedOutput } from './log-output.ts';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'authorization',
  'cookie',
  'token',
  'password',
  '*.authorization',
  '*.Authorization',
  '*.cookie',
  '*.Cookie',
  '*["set-cookie"]',
  '*.token',
  '*.password',
  '*.*.authorization',
  '*.*.cookie',
];

export interface LogOptions {
  level?: string;
  destination?: NodeJS.WritableStream;
}

export function createLogger(name: string, opts: LogOptions = {}): Logger {
  const options = {
    name,
    level: opts.level ?? process.env.PODPROF_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (opts.destination) return pino(options, opts.destination);
  // Standard output in batches, off the request path: an audit line never blocks
  // a request, nor wakes the process on its own (./log-output.ts). What waits is
  // written when the process exits.
  const stdout = batchedOutput(1);
  process.once('exit', () => stdout.flushSync());
  return pino(options, stdout);
}

/** A URL safe to log: path only, no query string, no userinfo. */
export function loggableUrl(rawUrl: string | undefined): string {
  const s = rawUrl ?? '';
  const q = s.search(/[?#]/);
  const path = q === -1 ? s : s.slice(0, q);
  return path.length > 256 ? `${path.slice(0, 253)}...` : path;
}
