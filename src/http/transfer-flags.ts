// The two flags that set the transfer limits (./transfer.ts), the same in the
// gateway (toward sidecars) and the sidecar (toward its app).
import { flag, type Flag } from '../config/flags.ts';
import { bytes, duration } from '../config/values.ts';
import { DEFAULT_TRANSFER, type TransferLimits } from './transfer.ts';

type Defaulted<T> = Flag<T> & { readonly default: T; readonly defaultText?: string };

export interface TransferFlags {
  readonly 'transfer-timeout': Defaulted<number>;
  readonly 'min-transfer-rate': Defaulted<number>;
}

export function transferFlags(peer: string): TransferFlags {
  return {
    'transfer-timeout': flag(duration(1000, 3_600_000), `time ${peer}'s whole answer may take beyond its seconds and the margin`, {
      default: DEFAULT_TRANSFER.budgetMs,
      defaultText: '2m',
    }),
    'min-transfer-rate': flag(
      bytes(1, 1024 ** 3),
      `slowest ${peer} answer podprof waits for, in bytes per second over each 10s (or a quarter of --transfer-timeout) once its recording is over`,
      { default: DEFAULT_TRANSFER.minBytesPerSecond, defaultText: '8KiB' },
    ),
  };
}

/** The rate is measured over 10 s windows, or a quarter of a shorter budget (at least 1 s). */
export function transferLimits(c: { readonly 'transfer-timeout': number; readonly 'min-transfer-rate': number }): TransferLimits {
  const windowMs = Math.min(DEFAULT_TRANSFER.windowMs, Math.max(1000, Math.floor(c['transfer-timeout'] / 4)));
  return { budgetMs: c['transfer-timeout'], minBytesPerSecond: c['min-transfer-rate'], windowMs };
}
