// The webhook's HTTP table: every malformed request gets a clear JSON error with
// a PODPROF_ code and the right status, and a well-formed review of a malformed
// pod an AdmissionReview denial naming the field; valid reviews are answered (uid echoed)
// whatever the size of the pod; a slow client is cut off without blocking others;
// each review is logged and counted; and the real process survives all of it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tcpConnect } from 'node:net';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import type { Pod } from '../../src/k8s/types.ts';
import type { AdmissionResponse } from '../../webhook/review.ts';
import { parseFlags } from '../../src/config/flags.ts';
import { WEBHOOK_FLAGS } from '../../webhook/config.ts';
import { httpsRequest, type Reply } from '../kit/net/http.ts';
import { rawRequest, type RawReply } from '../kit/net/raw.ts';
import { REPO } from '../kit/product/sidecar.ts';
import {
  admit,
  counterValue,
  patchOf,
  post,
  reviewFor,
  reviewLogs,
  SIDECAR_IMAGE,
  startChildWebhook,
  startInProcessWebhook,
  writeJwksFile,
  type TestWebhook,
} from '../kit/product/webhook.ts';

const MAX_BODY = 8 * 1024 * 1024;
let w: TestWebhook;

before(async () => {
  w = await startInProcessWebhook(['--max-body-bytes', '8MiB']);
});
after(async () => {
  await w.close();
});

function pod(
  annotations: Record<string, string> = { 'podprof.io/inject': 'true' },
  extra: Partial<NonNullable<Pod['metadata']>> = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'web-', namespace: 'team-a', annotations, ...extra },
    spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.0.0', ports: [{ name: 'http', containerPort: 8080 }] }] },
  };
}
const INJECTABLE = pod();
const review = (uid: string, p: Pod = INJECTABLE, dryRun = false): ReturnType<typeof reviewFor> => reviewFor(p, { uid, dryRun });
const json = (v: unknown): string => JSON.stringify(v);

function assertError(r: { status: number; text: string; headers?: Reply['headers'] }, status: number, code: string): void {
  assert.equal(r.status, status, r.text.slice(0, 300));
  if (r.headers) assert.match(String(r.headers['content-type']), /^application\/json/);
  const body = JSON.parse(r.text) as { code?: unknown; message?: unknown };
  assert.equal(body.code, code, r.text);
  assert.ok(typeof body.message === 'string' && body.message.length > 0, 'the error says what is wrong');
}

/** A raw exchange; a connection reset before any byte counts as status 0. */
async function raw(port: number, payload: string | Buffer, timeoutMs = 5000): Promise<RawReply & { text: string }> {
  const r = await rawRequest(port, payload, timeoutMs).catch((err: Error): RawReply => ({
    raw: `(${err.message})`,
    status: 0,
    ended: 'closed',
  }));
  return { ...r, text: r.raw.slice(r.raw.indexOf('\r\n\r\n') + 4) };
}
const postHead = (path: string, headers: Record<string, string>): string =>
  `POST ${path} HTTP/1.1\r\n${Object.entries({ host: 'webhook', 'content-type': 'application/json', connection: 'close', ...headers })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;

// ---------------------------------------------------------------------------
// Malformed requests

const MALFORMED: Array<[string, { body: string; headers?: Record<string, string>; path?: string }, number, string]> = [
  [
    'text/plain content type',
    { body: json(review('a')), headers: { 'content-type': 'text/plain' } },
    415,
    'PODPROF_UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'YAML content type',
    { body: json(review('a')), headers: { 'content-type': 'application/yaml' } },
    415,
    'PODPROF_UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'a JSON-patch content type',
    { body: json(review('a')), headers: { 'content-type': 'application/json-patch+json' } },
    415,
    'PODPROF_UNSUPPORTED_MEDIA_TYPE',
  ],
  ['empty body', { body: '' }, 400, 'PODPROF_BAD_REQUEST'],
  ['truncated JSON', { body: json(review('a')).slice(0, 60) }, 400, 'PODPROF_BAD_REQUEST'],
  ['not JSON', { body: 'apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\n' }, 400, 'PODPROF_BAD_REQUEST'],
  ['JSON with a byte-order mark', { body: `\uFEFF${json(review('a'))}` }, 400, 'PODPROF_BAD_REQUEST'],
  ['a JSON array', { body: '[]' }, 400, 'PODPROF_BAD_REQUEST'],
  ['a JSON string', { body: '"AdmissionReview"' }, 400, 'PODPROF_BAD_REQUEST'],
  ['a JSON number', { body: '42' }, 400, 'PODPROF_BAD_REQUEST'],
  ['JSON null', { body: 'null' }, 400, 'PODPROF_BAD_REQUEST'],
  ['wrong kind', { body: json({ ...review('a'), kind: 'TokenReview' }) }, 400, 'PODPROF_BAD_REQUEST'],
  ['no kind', { body: json({ apiVersion: 'admission.k8s.io/v1', request: review('a').request }) }, 400, 'PODPROF_BAD_REQUEST'],
  ['apiVersion v1beta1', { body: json({ ...review('a'), apiVersion: 'admission.k8s.io/v1beta1' }) }, 400, 'PODPROF_BAD_REQUEST'],
  ['no apiVersion', { body: json({ kind: 'AdmissionReview', request: review('a').request }) }, 400, 'PODPROF_BAD_REQUEST'],
  ['no request', { body: json({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }) }, 400, 'PODPROF_BAD_REQUEST'],
  ['request null', { body: json({ ...review('a'), request: null }) }, 400, 'PODPROF_BAD_REQUEST'],
  ['request a string', { body: json({ ...review('a'), request: 'pod' }) }, 400, 'PODPROF_BAD_REQUEST'],
  ['no uid', { body: json({ ...review('a'), request: { ...review('a').request, uid: undefined } }) }, 400, 'PODPROF_BAD_REQUEST'],
  ['empty uid', { body: json(review('')) }, 400, 'PODPROF_BAD_REQUEST'],
  ['numeric uid', { body: json({ ...review('a'), request: { ...review('a').request, uid: 42 } }) }, 400, 'PODPROF_BAD_REQUEST'],
  ['a 10 KB uid', { body: json(review('u'.repeat(10_000))) }, 400, 'PODPROF_BAD_REQUEST'],
];

for (const [name, req, status, code] of MALFORMED) {
  test(`malformed request answered ${status} ${code}: ${name}`, async () => {
    const r = await post(w, req.path ?? '/mutate', req.body, req.headers);
    assertError(r, status, code);
  });
}

test('malformed request answered 415: no content type at all', async () => {
  const r = await httpsRequest(`${w.url}/mutate`, { method: 'POST', body: json(review('a')) });
  assertError(r, 415, 'PODPROF_UNSUPPORTED_MEDIA_TYPE');
});

for (const [method, path, status, code] of [
  ['GET', '/mutate', 405, 'PODPROF_METHOD_NOT_ALLOWED'],
  ['PUT', '/mutate', 405, 'PODPROF_METHOD_NOT_ALLOWED'],
  ['GET', '/mutate/namespace', 405, 'PODPROF_METHOD_NOT_ALLOWED'],
  ['POST', '/validate', 404, 'PODPROF_NO_ROUTE'],
  ['POST', '/', 404, 'PODPROF_NO_ROUTE'],
  ['POST', '/mutate/', 404, 'PODPROF_NO_ROUTE'],
  ['POST', '/healthz', 404, 'PODPROF_NO_ROUTE'],
  ['GET', '/metrics', 404, 'PODPROF_NO_ROUTE'],
] as const) {
  test(`${method} ${path} answered ${status} ${code}`, async () => {
    const r = await httpsRequest(`${w.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { body: json(review('a')) }),
    });
    assertError(r, status, code);
  });
}

test(`a body over --max-body-bytes (Content-Length) is answered 413`, async () => {
  const r = await post(w, '/mutate', Buffer.alloc(MAX_BODY + 1, 0x20));
  assertError(r, 413, 'PODPROF_REQUEST_TOO_LARGE');
});

test('a body over --max-body-bytes is refused up front from its Content-Length, before it is sent', async () => {
  const r = await raw(w.port, postHead('/mutate', { 'content-length': String(MAX_BODY * 4) }));
  assert.equal(r.status, 413, r.raw.slice(0, 300));
  assertError(r, 413, 'PODPROF_REQUEST_TOO_LARGE');
});

test('a chunked body over --max-body-bytes is answered 413, not a connection reset', async () => {
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const chunks = Array.from({ length: 9 }, () =>
    Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
  );
  const r = await raw(
    w.port,
    Buffer.concat([Buffer.from(postHead('/mutate', { 'transfer-encoding': 'chunked' })), ...chunks, Buffer.from('0\r\n\r\n')]),
  );
  assert.equal(r.status, 413, `got ${r.raw.slice(0, 200) || 'nothing'}`);
  assertError(r, 413, 'PODPROF_REQUEST_TOO_LARGE');
});

test('the body limit defaults to 4 MiB and --max-body-bytes takes sizes like 1MiB', () => {
  const base = ['--sidecar-image', SIDECAR_IMAGE, '--jwks-file', writeJwksFile()];
  assert.equal(parseFlags(WEBHOOK_FLAGS, base, {})['max-body-bytes'], 4 * 1024 * 1024);
  assert.equal(parseFlags(WEBHOOK_FLAGS, [...base, '--max-body-bytes', '1MiB'], {})['max-body-bytes'], 1024 * 1024);
});

// A pod the API server would never send (it validates types first), but a request can carry.
// With a uid to answer, it is an AdmissionReview denial naming the field, never an HTTP error:
// the API server would log a webhook failure and, failurePolicy Ignore, let the pod in uninjected.
const OPTED_IN = { annotations: { 'podprof.io/inject': 'true' } };
const MALFORMED_PODS: Array<[string, unknown, string]> = [
  ['containers null', { metadata: OPTED_IN, spec: { containers: null } }, 'spec.containers: want a list'],
  ['containers a string', { metadata: OPTED_IN, spec: { containers: 'x' } }, 'spec.containers: want a list'],
  ['containers an object', { metadata: OPTED_IN, spec: { containers: { app: {} } } }, 'spec.containers: want a list'],
  ['containers empty', { metadata: OPTED_IN, spec: { containers: [] } }, 'spec.containers: want at least one container'],
  ['no containers', { metadata: OPTED_IN, spec: {} }, 'spec.containers: want at least one container'],
  ['a null container', { metadata: OPTED_IN, spec: { containers: [null] } }, 'spec.containers[0]: want an object'],
  [
    'a container a string',
    { metadata: OPTED_IN, spec: { containers: [{ name: 'app' }, 'sidecar'] } },
    'spec.containers[1]: want an object',
  ],
  [
    'a container without a name',
    { metadata: OPTED_IN, spec: { containers: [{ image: 'app' }] } },
    'spec.containers[0].name: want a non-empty string',
  ],
  [
    'initContainers a string',
    { metadata: OPTED_IN, spec: { containers: [{ name: 'app' }], initContainers: 'x' } },
    'spec.initContainers: want a list',
  ],
  [
    'ports a string',
    { metadata: OPTED_IN, spec: { containers: [{ name: 'app', ports: '8080' }] } },
    'spec.containers[0].ports: want a list',
  ],
  [
    'containerPort a string',
    { metadata: OPTED_IN, spec: { containers: [{ name: 'app', ports: [{ containerPort: '8080' }] }] } },
    'spec.containers[0].ports[0].containerPort: want a number',
  ],
  [
    'annotations a list',
    { metadata: { annotations: ['podprof.io/inject'] }, spec: { containers: [{ name: 'app' }] } },
    'metadata.annotations: want a map of strings',
  ],
  [
    'annotations a string',
    { metadata: { annotations: 'podprof.io/inject' }, spec: { containers: [{ name: 'app' }] } },
    'metadata.annotations: want a map of strings',
  ],
  [
    'annotations null',
    { metadata: { annotations: null }, spec: { containers: [{ name: 'app' }] } },
    'metadata.annotations: want a map of strings',
  ],
  [
    'an annotation a number',
    { metadata: { annotations: { 'podprof.io/inject': 'true', 'podprof.io/port': 8080 } }, spec: { containers: [{ name: 'app' }] } },
    'metadata.annotations: want a map of strings',
  ],
  [
    'labels a list',
    { metadata: { ...OPTED_IN, labels: ['a'] }, spec: { containers: [{ name: 'app' }] } },
    'metadata.labels: want a map of strings',
  ],
  [
    'namespace a number',
    { metadata: { ...OPTED_IN, namespace: 7 }, spec: { containers: [{ name: 'app' }] } },
    'metadata.namespace: want a string',
  ],
  ['metadata a string', { metadata: 'pod', spec: { containers: [{ name: 'app' }] } }, 'metadata: want an object'],
  ['spec a list', { metadata: OPTED_IN, spec: [] }, 'spec: want an object'],
  [
    'hostNetwork a string',
    { metadata: OPTED_IN, spec: { hostNetwork: 'true', containers: [{ name: 'app' }] } },
    'spec.hostNetwork: want a boolean',
  ],
  ['object a string', 'pod', 'request.object: want an object'],
  ['object null', null, 'request.object: want an object'],
];

for (const [name, object, field] of MALFORMED_PODS) {
  for (const path of ['/mutate', '/mutate/namespace']) {
    test(`a malformed pod (${name}) on ${path} is denied in an AdmissionReview answer that names ${field.split(':')[0]}`, async () => {
      const body = json({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { ...review('typed').request, object } });
      const r = await post(w, path, body);
      assert.equal(r.status, 200, r.text.slice(0, 300));
      const answer = JSON.parse(r.text) as { apiVersion: string; kind: string; response: AdmissionResponse };
      assert.equal(answer.apiVersion, 'admission.k8s.io/v1');
      assert.equal(answer.kind, 'AdmissionReview');
      assert.equal(answer.response.uid, 'typed');
      assert.equal(answer.response.allowed, false);
      assert.equal(answer.response.patch, undefined);
      assert.equal(answer.response.status?.code, 400);
      assert.equal(answer.response.status?.message, `podprof: malformed pod: ${field}`);
    });
  }
}

test('a malformed pod is logged and counted as denied by the rule malformed-pod', async () => {
  const metrics = async (): Promise<string> => (await fetch(`${w.healthUrl}/metrics`)).text();
  const labels = { outcome: 'denied', rule: 'malformed-pod' };
  const before = counterValue(await metrics(), 'podprof_webhook_reviews_total', labels);
  const object = { metadata: { ...OPTED_IN, name: 'web' }, spec: { containers: null } };
  await post(
    w,
    '/mutate',
    json({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { ...review('counted-malformed').request, object } }),
  );
  assert.equal(counterValue(await metrics(), 'podprof_webhook_reviews_total', labels), before + 1);
  const line = reviewLogs(w.logs).find((l) => l.uid === 'counted-malformed');
  assert.ok(line, 'a log line for the review');
  assert.deepEqual([line.outcome, line.rule, line.namespace], ['denied', 'malformed-pod', 'team-a']);
  assert.match(line.reason, /spec\.containers: want a list/);
});

// ---------------------------------------------------------------------------
// Valid reviews

test('a valid review is answered 200 and echoes request.uid: injected, skipped and denied', async () => {
  const injected = await admit(w, review('uid-injected'));
  assert.equal(injected.response.uid, 'uid-injected');
  assert.equal(injected.response.allowed, true);
  assert.ok((patchOf(injected.response) ?? []).length > 0, 'an injected pod gets a patch');

  const skipped = await admit(w, review('uid-skipped', pod({})));
  assert.equal(skipped.response.uid, 'uid-skipped');
  assert.equal(skipped.response.allowed, true);
  assert.equal(skipped.response.patch, undefined);
  assert.match(skipped.response.auditAnnotations?.skipped ?? '', /not opted in/);

  const denied = await admit(w, review('uid-denied', pod({ 'podprof.io/inject': 'true', 'podprof.io/port': 'abc' })));
  assert.equal(denied.response.uid, 'uid-denied');
  assert.equal(denied.response.allowed, false);
  assert.equal(denied.response.status?.code, 400);
  assert.match(denied.response.status?.message ?? '', /podprof\.io\/port="abc".*a port number from 1 to 65535/);
  assert.equal(denied.response.patch, undefined);
});

test('/mutate/namespace treats the namespace as opted in; the pod’s "false" still wins', async () => {
  const viaNamespace = await admit(w, review('ns-in', pod({})), '/mutate/namespace');
  assert.ok(patchOf(viaNamespace.response), 'injected');
  const optedOut = await admit(w, review('ns-out', pod({ 'podprof.io/inject': 'false' })), '/mutate/namespace');
  assert.equal(optedOut.response.patch, undefined);
  assert.match(optedOut.response.auditAnnotations?.skipped ?? '', /opted out/);
});

test('the query string the API server appends (?timeout=10s) is fine, and so is a charset', async () => {
  const r = await post(w, '/mutate?timeout=10s', json(review('q')), { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(r.status, 200, r.text);
  assert.equal((JSON.parse(r.text) as { response: { uid: string } }).response.uid, 'q');
});

test('dryRun: true gets the same answer as a real admission', async () => {
  const real = await admit(w, review('same-uid', INJECTABLE, false));
  const dry = await admit(w, review('same-uid', INJECTABLE, true));
  assert.deepEqual(dry.response, real.response);
  const logged = reviewLogs(w.logs).filter((l) => l.uid === 'same-uid');
  assert.deepEqual(
    logged.map((l) => l.dryRun),
    [false, true],
    'the log line says which one was a dry run',
  );
});

test('a pod of several MB (5 MB of annotations, 2 MB of managedFields) under the limit is answered, and the patch is a small diff without managedFields', async () => {
  const annotations: Record<string, string> = { 'podprof.io/inject': 'true' };
  for (let i = 0; i < 50; i++) annotations[`example.com/blob-${i}`] = 'x'.repeat(100_000);
  const managedFields = Array.from({ length: 2000 }, (_, i) => ({
    manager: `controller-${i}`,
    operation: 'Update',
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:labels': { [`f:l${i}`]: {}, pad: 'y'.repeat(1000) } } },
  }));
  const big = pod(annotations, { managedFields });
  const body = json(review('big', big));
  assert.ok(body.length > 7_000_000 && body.length < MAX_BODY, `body is ${body.length} bytes`);
  const started = performance.now();
  const r = await post(w, '/mutate', body);
  const ms = performance.now() - started;
  assert.equal(r.status, 200, r.text.slice(0, 300));
  const response = (JSON.parse(r.text) as { response: { uid: string; patch?: string; patchType?: string } }).response;
  assert.equal(response.uid, 'big');
  const patch = patchOf(response as never) ?? [];
  assert.ok(patch.length > 0, 'injected');
  assert.doesNotMatch(json(patch), /managedFields/);
  assert.ok(r.text.length < 20_000, `the answer is a diff, not a copy of the pod (${r.text.length} bytes)`);
  assert.ok(ms < 2000, `answered in ${Math.round(ms)} ms, within the API server's timeoutSeconds`);
});

test('each review is logged with its outcome and reason, and counted by outcome and rule', async () => {
  const metrics = async (): Promise<string> => (await fetch(`${w.healthUrl}/metrics`)).text();
  const labels = { outcome: 'injected', rule: 'injected' };
  const before = counterValue(await metrics(), 'podprof_webhook_reviews_total', labels);
  const skippedBefore = counterValue(await metrics(), 'podprof_webhook_reviews_total', { outcome: 'skipped', rule: 'not-opted-in' });
  for (let i = 0; i < 3; i++) await admit(w, review(`counted-${i}`));
  await admit(w, review('counted-skip', pod({})));
  await admit(w, review('counted-deny', pod({ 'podprof.io/inject': 'true', 'podprof.io/max-seconds': '-1' })));
  const text = await metrics();
  assert.equal(
    counterValue(text, 'podprof_webhook_reviews_total', labels),
    before + 3,
    text
      .split('\n')
      .filter((l) => l.startsWith('podprof_webhook_reviews_total'))
      .join('\n'),
  );
  assert.equal(counterValue(text, 'podprof_webhook_reviews_total', { outcome: 'skipped', rule: 'not-opted-in' }), skippedBefore + 1);
  assert.ok(counterValue(text, 'podprof_webhook_reviews_total', { outcome: 'denied', rule: 'invalid-annotation' }) >= 1);

  const logs = reviewLogs(w.logs);
  const line = (uid: string): (typeof logs)[number] => {
    const l = logs.find((x) => x.uid === uid);
    assert.ok(l, `a log line for ${uid}`);
    return l;
  };
  const { uid, namespace, name, dryRun, outcome, rule, reason } = line('counted-0');
  assert.deepEqual(
    { uid, namespace, name, dryRun, outcome, rule },
    { uid: 'counted-0', namespace: 'team-a', name: 'web-*', dryRun: false, outcome: 'injected', rule: 'injected' },
  );
  assert.match(reason, /sidecar injected \(upstream 127\.0\.0\.1:6060\/debug\/pprof/);
  assert.equal(line('counted-skip').outcome, 'skipped');
  assert.equal(line('counted-skip').rule, 'not-opted-in');
  assert.match(line('counted-skip').reason, /not opted in/);
  assert.equal(line('counted-deny').outcome, 'denied');
  assert.match(line('counted-deny').reason, /podprof\.io\/max-seconds="-1"/);
});

// ---------------------------------------------------------------------------
// Slow and concurrent clients

/** Sends the headers, then one body byte a second; resolves when the server hangs up. */
function trickle(port: number, headersOnly = false): Promise<{ reply: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const body = json(review('slow'));
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    let reply = '';
    let i = 0;
    const head = postHead('/mutate', { 'content-length': String(body.length) });
    const payload = headersOnly ? head : body;
    socket.once('secureConnect', () => {
      if (!headersOnly) socket.write(head);
    });
    const timer = setInterval(() => {
      if (i < payload.length && socket.writable) socket.write(payload[i++] ?? '');
    }, 1000);
    const done = (): void => {
      clearInterval(timer);
      resolve({ reply, ms: performance.now() - started });
    };
    socket.on('data', (c: Buffer) => (reply += c.toString('latin1')));
    socket.on('close', done);
    socket.on('error', () => undefined);
    setTimeout(() => socket.destroy(), 40_000).unref();
  });
}

test('a slow body (a byte a second) and slow headers are cut off within ~15 s, while other reviews and garbage are answered meanwhile', async () => {
  const slowBody = trickle(w.port);
  const slowHeaders = trickle(w.port, true);
  await new Promise((r) => setTimeout(r, 1500));

  // Meanwhile: a valid review is answered at once, and a mixed crowd of requests too.
  const t0 = performance.now();
  const meanwhile = await admit(w, review('meanwhile'));
  assert.equal(meanwhile.response.uid, 'meanwhile');
  assert.ok(performance.now() - t0 < 1000, 'not blocked by the slow clients');

  const crowd = Array.from({ length: 60 }, async (_, i) => {
    const [name, req, status, code] = MALFORMED[i % MALFORMED.length]!;
    if (i % 3 === 0) {
      const r = await admit(w, review(`crowd-${i}`));
      assert.equal(r.response.uid, `crowd-${i}`);
      return;
    }
    const r = await post(w, '/mutate', req.body, req.headers);
    assert.equal(r.status, status, `${name}: ${r.text}`);
    assertError(r, status, code);
  });
  await Promise.all(crowd);

  const [body, headers] = await Promise.all([slowBody, slowHeaders]);
  assert.ok(body.ms < 18_000, `the slow body was cut off after ${Math.round(body.ms)} ms`);
  assert.ok(headers.ms < 13_000, `the slow headers were cut off after ${Math.round(headers.ms)} ms`);
  for (const r of [body, headers])
    assert.match(
      r.reply,
      /^(|HTTP\/1\.1 (408|400) [^]*PODPROF_(REQUEST_TIMEOUT|BAD_REQUEST): [^]*)$/,
      `a timeout answer that says why, or none: ${r.reply.slice(0, 200)}`,
    );
  assert.equal((await fetch(`${w.healthUrl}/healthz`)).status, 200);
});

test('after all that, /healthz and /readyz answer and a review is still injected', async () => {
  assert.equal((await fetch(`${w.healthUrl}/healthz`)).status, 200);
  assert.equal((await fetch(`${w.healthUrl}/readyz`)).status, 200);
  const r = await admit(w, review('still-here'));
  assert.ok(patchOf(r.response));
});

// ---------------------------------------------------------------------------
// The real process

test('the real `podprof webhook` process survives a barrage of garbage and keeps answering', async (t) => {
  if (!existsSync(join(REPO, 'dist/podprof.js'))) assert.fail('dist/ is missing: run `npm run build` first');
  const child = await startChildWebhook(['--max-body-bytes', '1MiB']);
  t.after(() => child.close());
  const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
  const typeConfused = json({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      ...review('x').request,
      object: { metadata: { annotations: { 'podprof.io/inject': 'true' } }, spec: { containers: [null] } },
    },
  });
  const attacks: Array<() => Promise<unknown>> = [
    () => raw(child.port, '\x00\x01\x02 not TLS at all\r\n\r\n'),
    () =>
      new Promise<void>((resolve) => {
        const s = tcpConnect(child.port, '127.0.0.1', () => s.end('POST /mutate HTTP/1.1\r\nhost: x\r\n\r\n'));
        s.on('error', () => resolve());
        s.on('close', () => resolve());
      }),
    () => raw(child.port, 'GARBAGE /mutate HTTP/9.9\r\n\r\n'),
    () => raw(child.port, `${postHead('/mutate', { 'content-length': '100' })}{"apiVersion":`, 2000),
    () => raw(child.port, Buffer.concat([Buffer.from(postHead('/mutate', { 'content-length': String(big.length) })), big])),
    () =>
      raw(
        child.port,
        Buffer.concat([
          Buffer.from(postHead('/mutate', { 'transfer-encoding': 'chunked' })),
          Buffer.from(`${big.length.toString(16)}\r\n`),
          big,
          Buffer.from('\r\n0\r\n\r\n'),
        ]),
      ),
    () => raw(child.port, postHead('/mutate', { 'content-length': '4', 'transfer-encoding': 'chunked' }) + '0\r\n\r\n'),
    () => raw(child.port, `POST /mutate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-pad: ${'p'.repeat(64 * 1024)}\r\n\r\n`),
    () => post(child, '/mutate', typeConfused),
    () =>
      post(
        child,
        '/mutate',
        '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","object":' + '['.repeat(100_000),
      ),
    () => post(child, '/mutate', json(review('child-valid'))),
    () => post(child, '/mutate/namespace', json(review('child-valid-ns', pod({})))),
    () => httpsRequest(`${child.url}/mutate`, { method: 'DELETE' }),
  ];
  await Promise.all(Array.from({ length: 3 }, () => attacks.map((a) => a().catch(() => undefined))).flat());
  assert.ok(child.alive(), `the process is alive; stderr: ${child.stderr()}`);
  assert.equal((await fetch(`${child.healthUrl}/healthz`)).status, 200);
  const r = await admit(child, review('child-after'));
  assert.equal(r.response.uid, 'child-after');
  assert.ok(patchOf(r.response), 'and still injects');
  assert.equal(child.stderr(), '', 'nothing on stderr');
});
