// Every byte has a deadline: a response body from a peer we do not trust (an
// app, a sidecar) must arrive whole by a total deadline and, once the peer has
// had its `seconds` to record, at a minimum rate measured over fixed windows.
// An app that answers 200 and then sends one byte a second is cut within one
// window instead of holding a capture slot for as long as it likes.
import { PodprofError } from '../errors.ts';

export interface TransferLimits {
  /** Time the whole body may take beyond the recording (`seconds`) and the margin. */
  readonly budgetMs: number;
  /** Slowest acceptable transfer, in bytes per second, averaged over each window. */
  readonly minBytesPerSecond: number;
  /** Length of the rate windows. */
  readonly windowMs: number;
}

export const DEFAULT_TRANSFER: TransferLimits = { budgetMs: 120_000, minBytesPerSecond: 8 * 1024, windowMs: 10_000 };

export interface TransferPlan {
  /** When the request was sent (ms since the epoch). */
  readonly startedAt: number;
  /** The recording time the peer may stay silent for (a CPU profile's `seconds`). */
  readonly recordMs: number;
  /** Slack beyond the recording for the peer to start answering (its headers must come by recording + margin). */
  readonly marginMs: number;
  readonly limits: TransferLimits;
  /** Names the peer in the error ("the app", "the sidecar of team-a/web-0"). */
  readonly peer: string;
}

export interface TransferWatch {
  /** Counts bytes as they arrive. */
  count(n: number): void;
  /** The body has begun (headers received): the rate is checked from now or the end of the recording, whichever is later. */
  started(): void;
  stop(): void;
}

const secondsOf = (ms: number): number => Math.round(ms / 100) / 10;

/** When the whole exchange must be over: recording + margin + transfer budget. */
export function transferDeadline(p: TransferPlan): number {
  return p.startedAt + p.recordMs + p.marginMs + p.limits.budgetMs;
}

/** Watches one transfer; calls expire (once) with the error to answer when a limit is passed. */
export function watchTransfer(p: TransferPlan, expire: (err: PodprofError) => void, now: () => number = Date.now): TransferWatch {
  let windowBytes = 0;
  let rateFrom = Number.POSITIVE_INFINITY;
  let done = false;
  const fire = (err: PodprofError): void => {
    if (done) return;
    stop();
    expire(err);
  };
  const total = Math.max(0, transferDeadline(p) - now());
  const deadline = setTimeout(
    () =>
      fire(
        new PodprofError(
          'PODPROF_UPSTREAM_TIMEOUT',
          `${p.peer} did not finish its answer within ${secondsOf(p.recordMs + p.marginMs + p.limits.budgetMs)}s`,
        ),
      ),
    total,
  );
  const answerMs = Math.max(0, p.startedAt + p.recordMs + p.marginMs - now());
  let answer: NodeJS.Timeout | undefined = setTimeout(
    () => fire(new PodprofError('PODPROF_UPSTREAM_TIMEOUT', `${p.peer} did not answer within ${secondsOf(p.recordMs + p.marginMs)}s`)),
    answerMs,
  );
  const window = setInterval(() => {
    const t = now();
    const min = (p.limits.minBytesPerSecond * p.limits.windowMs) / 1000;
    if (t - rateFrom >= p.limits.windowMs && windowBytes < min) {
      fire(
        new PodprofError(
          'PODPROF_UPSTREAM_TIMEOUT',
          `${p.peer} sent ${windowBytes} bytes in ${p.limits.windowMs / 1000}s, under the ${p.limits.minBytesPerSecond} bytes/s podprof waits for`,
        ),
      );
      return;
    }
    windowBytes = 0;
  }, p.limits.windowMs);
  deadline.unref();
  window.unref();
  answer.unref();
  function stop(): void {
    done = true;
    clearTimeout(answer);
    clearTimeout(deadline);
    clearInterval(window);
  }
  return {
    count: (n) => void (windowBytes += n),
    started: () => {
      clearTimeout(answer);
      answer = undefined;
      rateFrom = Math.max(now(), p.startedAt + p.recordMs);
    },
    stop,
  };
}
