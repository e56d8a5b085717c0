// One CPU profile and one trace at a time (Go refuses a second with a 500).
// An identical request that arrives before the capture's first byte joins it and
// receives the same bytes; any other gets 429 + Retry-After saying when the
// profiler frees up (never who holds it: the 429 reaches other users and is
// stored with their captures; the holder is in this sidecar's audit log). The
// upstream request belongs to no single client: it is
// cancelled only when every subscriber has gone, which makes Go stop profiling.
import { request as httpRequest, type Agent, type ServerResponse } from 'node:http';
import { PodprofError, sendError } from '../src/errors.ts';
import type { PprofRequest } from '../src/endpoints/policy.ts';
import { pprofResponseHeaders } from '../src/endpoints/response.ts';
import { upstreamError } from './upstream.ts';
import { reclaimAfterStreaming } from './reclaim.ts';
import { watchTransfer, type TransferLimits, type TransferWatch } from '../src/http/transfer.ts';

export interface FlightOptions {
  readonly upstream: URL;
  readonly agent: Agent;
  readonly marginMs: number;
  readonly maxResponseBytes: number;
  readonly transfer: TransferLimits;
}

export interface Delivery {
  readonly status: number;
  readonly bytes: number;
  readonly outcome: 'ok' | 'joined' | 'client-abort' | 'upstream-error' | 'too-large' | 'timeout';
  readonly joined: boolean;
}

interface Subscriber {
  readonly res: ServerResponse;
  readonly joined: boolean;
  bytes: number;
  done: (d: Delivery) => void;
}

type Held = NonNullable<PprofRequest['holds']>;

const PROFILER_NAME: Readonly<Record<Held, string>> = { profile: 'CPU profiler', trace: 'execution tracer', flight: 'flight recorder' };

/**
 * After the app's request is cut mid-capture (every client gone, a deadline, a cap), how long the profiler still
 * counts as busy: Go stops it only when it sees the connection close, and answers 500 ("already in use") to a
 * capture that comes first.
 */
const RELEASE_MS = 250;

/** What an exclusive request holds (a request the policy marked exclusive always says). */
const heldBy = (r: PprofRequest): Held => r.holds ?? (r.type === 'profile' ? 'profile' : 'trace');

class Flight {
  readonly subs = new Set<Subscriber>();
  readonly startedAt = Date.now();
  status = 0;
  headers: Record<string, string> = {};
  firstByteSent = false;
  finished = false;
  /** Cut before the app finished: the profiler is released RELEASE_MS later. */
  releasing = false;
  private bytes = 0;
  private readonly upstreamReq;
  private upstreamRes: NodeJS.ReadableStream | undefined;
  /** The app answers by seconds + margin and sends its body within the transfer limits (src/http/transfer.ts). */
  private readonly watch: TransferWatch;

  constructor(
    readonly request: PprofRequest,
    private readonly opts: FlightOptions,
    private readonly onEnd: () => void,
  ) {
    const url = new URL(request.upstreamPath, opts.upstream);
    this.upstreamReq = httpRequest(url, { agent: opts.agent, headers: { 'user-agent': 'podprof-sidecar', accept: '*/*' } });
    const plan = {
      startedAt: this.startedAt,
      recordMs: request.seconds * 1000,
      marginMs: opts.marginMs,
      limits: opts.transfer,
      peer: `the app (${request.type} capture)`,
    };
    this.watch = watchTransfer(plan, (err) => this.fail(err, 'timeout'));
    this.upstreamReq.on('response', (up) => {
      this.upstreamRes = up;
      this.watch.started();
      this.status = up.statusCode ?? 502;
      this.headers = pprofResponseHeaders(this.request, this.status, up.headers);
      for (const s of this.subs) s.res.writeHead(this.status, this.headers);
      up.on('data', (chunk: Buffer) => this.onChunk(chunk));
      up.on('end', () => this.finish());
      up.on('aborted', () => this.fail(new PodprofError('PODPROF_UPSTREAM_FAILED', 'the app broke off the capture'), 'upstream-error'));
      up.on('error', () => this.fail(new PodprofError('PODPROF_UPSTREAM_FAILED', 'the app broke off the capture'), 'upstream-error'));
    });
    this.upstreamReq.on('error', (err) => this.fail(upstreamError(err), 'upstream-error'));
    this.upstreamReq.end();
  }

  get endsAt(): number {
    return this.startedAt + this.request.seconds * 1000;
  }

  add(res: ServerResponse, joined: boolean): Promise<Delivery> {
    return new Promise((done) => {
      const sub: Subscriber = { res, joined, bytes: 0, done };
      this.subs.add(sub);
      if (this.status !== 0) res.writeHead(this.status, this.headers);
      res.on('close', () => {
        if (this.finished || !this.subs.delete(sub)) return;
        done({ status: this.status || 499, bytes: sub.bytes, outcome: 'client-abort', joined });
        if (this.subs.size === 0) this.abort();
      });
      res.on('drain', () => {
        if ([...this.subs].every((s) => !s.res.writableNeedDrain)) this.upstreamRes?.resume();
      });
    });
  }

  private onChunk(chunk: Buffer): void {
    this.firstByteSent = true;
    this.bytes += chunk.length;
    this.watch.count(chunk.length);
    reclaimAfterStreaming(chunk.length);
    if (this.bytes > this.opts.maxResponseBytes) {
      this.fail(
        new PodprofError(
          'PODPROF_RESPONSE_TOO_LARGE',
          `the ${this.request.type} response exceeded ${this.opts.maxResponseBytes} bytes and was cut`,
        ),
        'too-large',
      );
      return;
    }
    let pressure = false;
    for (const s of this.subs) {
      s.bytes += chunk.length;
      if (!s.res.write(chunk)) pressure = true;
    }
    if (pressure) this.upstreamRes?.pause();
  }

  private finish(): void {
    if (this.finished) return;
    this.settle(false);
    for (const s of this.subs) {
      s.res.end();
      s.done({ status: this.status, bytes: s.bytes, outcome: s.joined ? 'joined' : 'ok', joined: s.joined });
    }
  }

  private fail(err: PodprofError, outcome: Delivery['outcome']): void {
    if (this.finished) return;
    this.settle(true);
    this.upstreamReq.destroy();
    for (const s of this.subs) {
      sendError(s.res, err, 'pprof');
      s.done({ status: s.res.headersSent && this.status !== 0 ? this.status : err.status, bytes: s.bytes, outcome, joined: s.joined });
    }
  }

  private abort(): void {
    this.settle(true);
    this.upstreamReq.destroy();
  }

  private settle(cut: boolean): void {
    this.finished = true;
    this.watch.stop();
    if (!cut) return this.onEnd();
    this.releasing = true;
    setTimeout(() => this.onEnd(), RELEASE_MS).unref();
  }
}

export class FlightBoard {
  private readonly running = new Map<Held, Flight>();

  constructor(private readonly opts: FlightOptions) {}

  /** Serve an exclusive capture to `res`: join, start, or refuse with 429. */
  serve(request: PprofRequest, res: ServerResponse): Promise<Delivery> {
    const current = this.running.get(heldBy(request));
    if (current?.releasing) throw this.busy(current);
    if (current && !current.finished) {
      if (current.request.upstreamPath === request.upstreamPath && !current.firstByteSent) return current.add(res, true);
      throw this.busy(current);
    }
    const flight = new Flight(request, this.opts, () => {
      if (this.running.get(heldBy(request)) === flight) this.running.delete(heldBy(request));
    });
    this.running.set(heldBy(request), flight);
    return flight.add(res, false);
  }

  get active(): number {
    return this.running.size;
  }

  private busy(f: Flight): PodprofError {
    const left = f.releasing ? 1 : Math.max(1, Math.ceil((f.endsAt - Date.now()) / 1000) + 1);
    const name = PROFILER_NAME[heldBy(f.request)];
    return new PodprofError(
      'PODPROF_PROFILER_BUSY',
      `the ${name} of this pod is busy with another ${f.request.seconds}s capture; it frees up in about ${left}s`,
      left,
    );
  }
}
