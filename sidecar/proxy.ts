// Streams a snapshot profile (heap, goroutine, …) from the app with http-proxy-3:
// allowlisted request headers, allowlisted response headers, a byte cap, a
// deadline for the app's answer of `seconds` + margin, and a client abort that
// cancels the upstream.
import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { Readable, Transform, pipeline } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { PodprofError, sendError } from '../src/errors.ts';
import type { PprofRequest } from '../src/endpoints/policy.ts';
import { pprofResponseHeaders } from '../src/endpoints/response.ts';
import { requestHeaders, upstreamError } from './upstream.ts';

export interface ProxyOptions {
  readonly upstream: URL;
  readonly agent: Agent;
  readonly marginMs: number;
  readonly snapshotTimeoutMs: number;
  readonly maxResponseBytes: number;
}

export interface ProxyResult {
  readonly status: number;
  readonly bytes: number;
  readonly outcome: 'ok' | 'client-abort' | 'upstream-error' | 'too-large' | 'timeout';
}

interface Exchange {
  readonly request: PprofRequest;
  upstream?: ClientRequest;
  /** Set once the response streams; the pipeline then decides the outcome. */
  piping: boolean;
  upstreamBroke: boolean;
  settle: (r: ProxyResult) => void;
  bytes: number;
  timer?: NodeJS.Timeout;
}

/** `body`: the already-read request body (symbol POST); other requests have none. */
export type StreamProxy = (req: IncomingMessage, res: ServerResponse, request: PprofRequest, body?: Buffer) => Promise<ProxyResult>;

function byteCap(max: number, ex: Exchange): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      ex.bytes += chunk.length;
      if (ex.bytes > max) cb(new PodprofError('PODPROF_RESPONSE_TOO_LARGE', `the response exceeded ${max} bytes and was cut`));
      else cb(null, chunk);
    },
  });
}

export function createStreamProxy(opts: ProxyOptions): StreamProxy {
  const proxy = createProxyServer({ target: opts.upstream.href, agent: opts.agent, selfHandleResponse: true, xfwd: false, changeOrigin: true });
  const exchanges = new WeakMap<IncomingMessage, Exchange>();

  proxy.on('proxyReq', (proxyReq: ClientRequest, req: IncomingMessage) => {
    const ex = exchanges.get(req);
    if (ex) ex.upstream = proxyReq;
  });

  proxy.on('proxyRes', (proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse) => {
    const ex = exchanges.get(req);
    if (!ex) return;
    // The deadline bounds the wait for the app's answer; a slow reader of a large
    // body is governed by the server's socket inactivity timeout instead.
    clearTimeout(ex.timer);
    const status = proxyRes.statusCode ?? 502;
    const length = Number(proxyRes.headers['content-length'] ?? 0);
    if (length > opts.maxResponseBytes) {
      proxyRes.destroy();
      const err = new PodprofError('PODPROF_RESPONSE_TOO_LARGE', `the app's ${length}-byte response exceeds ${opts.maxResponseBytes} bytes`);
      sendError(res, err, 'pprof');
      ex.settle({ status: err.status, bytes: 0, outcome: 'too-large' });
      return;
    }
    res.writeHead(status, pprofResponseHeaders(ex.request, status, proxyRes.headers));
    ex.piping = true;
    proxyRes.once('aborted', () => (ex.upstreamBroke = true));
    proxyRes.once('error', () => (ex.upstreamBroke = true));
    pipeline(proxyRes, byteCap(opts.maxResponseBytes, ex), res, (err) => {
      if (err) ex.upstream?.destroy();
      const outcome = !err ? 'ok' : err instanceof PodprofError ? 'too-large' : ex.upstreamBroke ? 'upstream-error' : 'client-abort';
      ex.settle({ status, bytes: ex.bytes, outcome });
    });
  });

  return (req, res, request, body) =>
    new Promise<ProxyResult>((resolve) => {
      const ex: Exchange = { request, bytes: 0, piping: false, upstreamBroke: false, settle: () => undefined };
      ex.settle = (r) => {
        clearTimeout(ex.timer);
        ex.settle = () => undefined;
        resolve(r);
      };
      exchanges.set(req, ex);
      const deadline = request.seconds > 0 ? request.seconds * 1000 + opts.marginMs : opts.snapshotTimeoutMs;
      ex.timer = setTimeout(() => {
        sendError(res, new PodprofError('PODPROF_UPSTREAM_TIMEOUT', `the app did not answer within ${deadline / 1000}s`), 'pprof');
        ex.upstream?.destroy();
        ex.settle({ status: 504, bytes: ex.bytes, outcome: 'timeout' });
      }, deadline);
      res.on('close', () => {
        if (!res.writableFinished && !ex.piping) {
          ex.upstream?.destroy();
          ex.settle({ status: res.statusCode, bytes: ex.bytes, outcome: 'client-abort' });
        }
      });
      const allowed = requestHeaders(req.headers);
      for (const name of Object.keys(req.headers)) delete req.headers[name];
      Object.assign(req.headers, allowed, body ? { 'content-length': String(body.length) } : {});
      if (!body) delete req.headers['content-length'];
      req.url = request.upstreamPath;
      proxy.web(req, res, body ? { buffer: Readable.from([body]) } : {}, (err: Error) => {
        const e = upstreamError(err);
        sendError(res, e, 'pprof');
        ex.settle({ status: e.status, bytes: ex.bytes, outcome: 'upstream-error' });
      });
    });
}

