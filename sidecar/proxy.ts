// Streams a snapshot profile (heap, goroutine, …) from the app: allowlisted
// request headers, allowlisted response headers, a byte cap, a deadline for the
// app's answer of `seconds` + margin, and a client abort that cancels the
// upstream. One node:http request piped into the response, as the single-flight
// captures do (./flight.ts): http-proxy-3 and its dependencies (follow-redirects,
// debug) add ~2.5 MiB loaded from node_modules (bench/sidecar) for what these
// lines do.
import { request as httpRequest, type Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { PodprofError, sendError } from '../src/errors.ts';
import type { PprofRequest } from '../src/endpoints/policy.ts';
import { pprofResponseHeaders } from '../src/endpoints/response.ts';
import { reclaimAfterStreaming } from './reclaim.ts';
import { requestHeaders, upstreamError } from './upstream.ts';
import { watchTransfer, type TransferLimits } from '../src/http/transfer.ts';

export interface ProxyOptions {
  readonly upstream: URL;
  readonly agent: Agent;
  readonly marginMs: number;
  readonly snapshotTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly transfer: TransferLimits;
}

export interface ProxyResult {
  readonly status: number;
  readonly bytes: number;
  readonly outcome: 'ok' | 'client-abort' | 'upstream-error' | 'too-large' | 'timeout';
}

/** `body`: the already-read request body (symbol POST); other requests have none. */
export type StreamProxy = (req: IncomingMessage, res: ServerResponse, request: PprofRequest, body?: Buffer) => Promise<ProxyResult>;

export function createStreamProxy(opts: ProxyOptions): StreamProxy {
  return (req, res, request, body) =>
    new Promise<ProxyResult>((resolve) => {
      let bytes = 0;
      let settled = false;
      const settle = (r: ProxyResult): void => {
        if (settled) return;
        settled = true;
        watch.stop();
        resolve(r);
      };
      const headers = { ...requestHeaders(req.headers), ...(body ? { 'content-length': String(body.length) } : {}) };
      if (!body) delete headers['content-length'];
      const up = httpRequest(new URL(request.upstreamPath, opts.upstream), {
        method: req.method === 'POST' ? 'POST' : 'GET',
        agent: opts.agent,
        headers,
      });
      // The app must answer by seconds + margin (or the snapshot timeout), and send its whole
      // body within the transfer budget at the minimum rate: a trickle is cut, never waited on.
      const plan = {
        startedAt: Date.now(),
        recordMs: request.seconds * 1000,
        marginMs: request.seconds > 0 ? opts.marginMs : opts.snapshotTimeoutMs,
        limits: opts.transfer,
        peer: 'the app',
      };
      const watch = watchTransfer(plan, (err) => {
        up.destroy();
        if (res.headersSent)
          res.destroy(); // mid-body: the client sees a broken transfer, never a short profile
        else sendError(res, err, 'pprof');
        settle({ status: res.headersSent ? res.statusCode : err.status, bytes, outcome: 'timeout' });
      });
      res.once('close', () => {
        if (res.writableFinished) return;
        up.destroy();
        settle({ status: res.statusCode, bytes, outcome: 'client-abort' });
      });
      up.once('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        if (res.headersSent) {
          res.destroy(); // mid-body: the client must see a broken transfer, never a short profile
          settle({ status: res.statusCode, bytes, outcome: 'upstream-error' });
          return;
        }
        const e = upstreamError(err);
        sendError(res, e, 'pprof');
        settle({ status: e.status, bytes, outcome: 'upstream-error' });
      });
      up.once('response', (upRes) => streamAnswer(upRes));
      up.end(body);

      function streamAnswer(upRes: IncomingMessage): void {
        watch.started();
        const status = upRes.statusCode ?? 502;
        if (Number(upRes.headers['content-length'] ?? 0) > opts.maxResponseBytes) {
          up.destroy();
          const err = new PodprofError(
            'PODPROF_RESPONSE_TOO_LARGE',
            `the app's ${upRes.headers['content-length']}-byte response exceeds ${opts.maxResponseBytes} bytes`,
          );
          sendError(res, err, 'pprof');
          settle({ status: err.status, bytes: 0, outcome: 'too-large' });
          return;
        }
        res.writeHead(status, pprofResponseHeaders(request, status, upRes.headers));
        upRes.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          watch.count(chunk.length);
          reclaimAfterStreaming(chunk.length);
          if (bytes > opts.maxResponseBytes) {
            up.destroy();
            res.destroy(); // cut: the client sees a broken transfer
            settle({ status, bytes, outcome: 'too-large' });
          } else if (!res.write(chunk)) {
            upRes.pause();
            res.once('drain', () => upRes.resume());
          }
        });
        const broke = (): void => {
          if (settled) return;
          res.destroy();
          settle({ status, bytes, outcome: 'upstream-error' });
        };
        upRes.once('error', broke); // the app reset the connection mid-body
        upRes.once('close', () => {
          if (!upRes.complete) broke();
        });
        upRes.once('end', () => {
          watch.stop();
          res.once('finish', () => settle({ status, bytes, outcome: 'ok' }));
          res.end();
        });
      }
    });
}
