// The webhook's HTTP layer: content type, body size and JSON checks, then the
// pure decision. It never crashes and never hangs, whatever it is sent. The
// bytes it holds are bounded: each request reserves what it may read (its
// Content-Length, or --max-body-bytes) from --max-inflight-bytes, and one
// source address may hold a quarter of that; past either, 429 at once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PodprofError, sendError, toPodprofError } from '../src/errors.ts';
import { readBody } from '../src/http/body.ts';
import { addressKey } from '../src/limits/address.ts';
import type { Shares } from '../src/limits/shares.ts';
import type { Logger } from '../src/log.ts';
import { decideAdmission, readReview, ReviewError, type Decision } from './review.ts';
import type { InjectSettings } from './settings.ts';

export interface WebhookDeps {
  readonly settings: () => InjectSettings;
  readonly maxBodyBytes: number;
  /** Request bytes held at once, per source address and in all. */
  readonly inflight: Shares;
  readonly log: Logger;
  /** Each answered review: the decision, how long it took, and the request's size in bytes. */
  readonly onDecision: (d: Decision, ms: number, bytes: number) => void;
}

const ROUTES: Record<string, boolean> = { '/mutate': false, '/mutate/namespace': true };

/** Reserves the bytes this request may hold; the function that gives them back. */
function reserve(req: IncomingMessage, deps: WebhookDeps): () => void {
  const declared = Number(req.headers['content-length']);
  const bytes = Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, deps.maxBodyBytes) : deps.maxBodyBytes;
  const holder = addressKey(req.socket.remoteAddress);
  const refused = deps.inflight.take(holder, bytes);
  if (refused !== undefined) {
    const whose = refused === 'holder' ? 'this address has' : 'all callers have';
    throw new PodprofError(
      'PODPROF_THROTTLED',
      `${whose} too many request bytes in flight (--max-inflight-bytes ${deps.inflight.limits.total})`,
      1,
    );
  }
  return () => deps.inflight.give(holder, bytes);
}

async function review(req: IncomingMessage, deps: WebhookDeps, namespaceOptIn: boolean): Promise<{ decision: Decision; bytes: number }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new PodprofError(
      'PODPROF_UNSUPPORTED_MEDIA_TYPE',
      `content type ${JSON.stringify(type ?? '').slice(0, 60)} is not application/json`,
    );
  const release = reserve(req, deps);
  try {
    const body = await readBody(req, deps.maxBodyBytes);
    return { decision: decideOn(body, deps, namespaceOptIn), bytes: body.length };
  } finally {
    release();
  }
}

function decideOn(body: Buffer, deps: WebhookDeps, namespaceOptIn: boolean): Decision {
  if (body.length === 0) throw new PodprofError('PODPROF_BAD_REQUEST', 'empty body: want an AdmissionReview');
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new PodprofError('PODPROF_BAD_REQUEST', 'the body is not valid JSON');
  }
  try {
    return decideAdmission(readReview(json), deps.settings(), namespaceOptIn);
  } catch (err) {
    if (err instanceof ReviewError) throw new PodprofError('PODPROF_BAD_REQUEST', err.message);
    throw err;
  }
}

export function createWebhookHandler(deps: WebhookDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    const path = (req.url ?? '').split('?')[0] ?? '';
    const namespaceOptIn = ROUTES[path];
    if (namespaceOptIn === undefined || req.method !== 'POST') {
      req.resume();
      sendError(
        res,
        new PodprofError(
          namespaceOptIn === undefined ? 'PODPROF_NO_ROUTE' : 'PODPROF_METHOD_NOT_ALLOWED',
          `${req.method ?? ''} ${path.slice(0, 100)}: POST /mutate or /mutate/namespace`,
        ),
        'json',
      );
      return;
    }
    review(req, deps, namespaceOptIn).then(
      ({ decision, bytes }) => {
        const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: decision.response });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
        deps.onDecision(decision, performance.now() - started, bytes);
      },
      (err: unknown) => {
        const e = toPodprofError(err);
        if (e.code === 'PODPROF_INTERNAL') deps.log.error({ err }, 'unexpected error');
        else deps.log.warn({ code: e.code, reason: e.message }, 'malformed admission request');
        sendError(res, e, 'json');
      },
    );
  };
}
