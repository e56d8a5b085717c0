// Whether each pod's app answers its sidecar, for GET /api/v1/pods: the
// sidecar's GET /podprof/upstream (sidecar/upstream-state.ts), asked with a
// single-use token bound to the pod (type symbol, spent by that request) and
// kept `freshMs`. A pod list waits at most `waitMs` for the checks it starts;
// a pod is checked at most once per `freshMs` whoever lists it, at most
// `maxInFlight` checks run at once, and at most `maxEntries` pods are kept.
import type { UpstreamView } from '../../src/api/types.ts';
import type { PprofRequest } from '../../src/endpoints/policy.ts';
import { routable, type Target } from './targets.ts';
import type { SidecarCall } from './sidecar-client.ts';

export interface UpstreamLimits {
  readonly freshMs: number;
  readonly waitMs: number;
  readonly maxInFlight: number;
  readonly maxEntries: number;
}

export const UPSTREAM_LIMITS: UpstreamLimits = { freshMs: 10_000, waitMs: 1500, maxInFlight: 8, maxEntries: 10_000 };

/** The request a SidecarClient sends for it: a path no pprof prefix names, under a token for `symbol` and 0 s. */
export const UPSTREAM_REQUEST: PprofRequest = {
  type: 'symbol',
  params: {},
  upstreamPath: '/podprof/upstream',
  path: '/podprof/upstream',
  seconds: 0,
  exclusive: false,
};

/** Who asks, as the sidecar's audit log shows it. */
export const UPSTREAM_SUBJECT = 'podprof-gateway (pod list)';

const ANSWER_BYTES = 4096;
const ANSWER_MS = 3000;

/** The sidecar's answer as an UpstreamView; anything else says what it was. */
export function parseUpstreamAnswer(status: number, text: string): UpstreamView {
  if (status === 404) return { state: 'unknown', detail: 'this sidecar does not report it (an older podprof)' };
  if (status !== 200) return { state: 'unknown', detail: `the sidecar answered ${status}` };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { state: 'unknown', detail: 'the sidecar answered no JSON' };
  }
  const r = v as { upstream?: unknown; detail?: unknown; checkedAt?: unknown };
  if ((r.upstream !== 'answering' && r.upstream !== 'not answering') || typeof r.detail !== 'string' || typeof r.checkedAt !== 'string')
    return { state: 'unknown', detail: 'the sidecar answered something else' };
  return { state: r.upstream, detail: r.detail.slice(0, 300), checkedAt: r.checkedAt.slice(0, 40) };
}

/** Asks the sidecar through `call` (SidecarClient.call with UPSTREAM_REQUEST), within ANSWER_MS and ANSWER_BYTES. */
export async function askSidecar(call: () => SidecarCall): Promise<UpstreamView> {
  let c: SidecarCall | undefined;
  const timer = setTimeout(() => c?.abort(), ANSWER_MS);
  try {
    c = call();
    const res = await c.response;
    const chunks: Buffer[] = [];
    for await (const chunk of c.body(ANSWER_BYTES)) chunks.push(chunk);
    return parseUpstreamAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    return { state: 'unknown', detail: `the sidecar did not answer: ${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}

interface Entry {
  view: UpstreamView;
  at: number;
  running?: Promise<void>;
}

const NOT_CHECKED: UpstreamView = { state: 'unknown', detail: 'not checked yet' };
const NOT_RUNNING: UpstreamView = { state: 'unknown', detail: 'the pod or its sidecar is not ready' };

export class UpstreamStates {
  private readonly entries = new Map<string, Entry>();
  private inFlight = 0;

  constructor(
    private readonly check: (t: Target) => Promise<UpstreamView>,
    private readonly limits: UpstreamLimits = UPSTREAM_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Each target's last known state by uid, refreshing the stale ones (waiting at most waitMs for them). */
  async views(targets: readonly Target[]): Promise<Map<string, UpstreamView>> {
    const started: Promise<void>[] = [];
    for (const t of targets) {
      if (!routable(t)) continue;
      const e = this.entries.get(t.uid);
      if (e && (e.running || this.now() - e.at < this.limits.freshMs)) {
        if (e.running) started.push(e.running);
        continue;
      }
      if (this.inFlight >= this.limits.maxInFlight) continue;
      started.push(this.refresh(t, e));
    }
    if (started.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((r) => (timer = setTimeout(r, this.limits.waitMs)));
      await Promise.race([Promise.all(started), waited]);
      clearTimeout(timer);
    }
    return new Map(targets.map((t) => [t.uid, routable(t) ? (this.entries.get(t.uid)?.view ?? NOT_CHECKED) : NOT_RUNNING]));
  }

  /** Pods kept (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private refresh(t: Target, old: Entry | undefined): Promise<void> {
    const e: Entry = old ?? { view: NOT_CHECKED, at: 0 };
    this.entries.delete(t.uid); // most recently checked last
    this.entries.set(t.uid, e);
    while (this.entries.size > this.limits.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.inFlight++;
    e.running = this.check(t)
      .catch((err: Error): UpstreamView => ({ state: 'unknown', detail: err.message }))
      .then((view) => {
        e.view = view;
        e.at = this.now();
      })
      .finally(() => {
        this.inFlight--;
        e.running = undefined;
      });
    return e.running;
  }
}
