// src/api/error.ts: the one client error for a non-2xx gateway answer, as the
// web UI and the CLI both build it from the answer's body.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, apiErrorOf } from '../../src/api/error.ts';
import { CATALOG, PodprofError } from '../../src/errors.ts';

test('a podprof error body gives its code, message and hint, and the CLI prints code: message and the hint below', () => {
  const sent = new PodprofError('PODPROF_FORBIDDEN', 'alice cannot get pods/heap in team-a');
  const e = apiErrorOf(403, JSON.stringify({ code: sent.code, message: sent.message, hint: CATALOG[sent.code].hint }));
  assert.ok(e instanceof ApiError);
  assert.equal(e.status, 403);
  assert.equal(e.code, 'PODPROF_FORBIDDEN');
  assert.equal(e.message, 'alice cannot get pods/heap in team-a');
  assert.equal(e.hint, CATALOG.PODPROF_FORBIDDEN.hint);
  assert.equal(e.describe(), `PODPROF_FORBIDDEN: alice cannot get pods/heap in team-a\n  ${CATALOG.PODPROF_FORBIDDEN.hint}`);
});

test("an answer that is not podprof's (a proxy's HTML page, empty, JSON without a code) keeps the status and an excerpt", () => {
  const html = apiErrorOf(502, '<html><body>Bad Gateway</body></html>', 'Bad Gateway');
  assert.equal(html.code, 'HTTP_502');
  assert.equal(html.describe(), 'the gateway answered 502: <html><body>Bad Gateway</body></html>');
  assert.equal(apiErrorOf(503, '', 'Service Unavailable').message, 'the gateway answered 503 Service Unavailable');
  const noCode = apiErrorOf(400, '{"error":"nope"}');
  assert.equal(noCode.code, 'HTTP_400');
  assert.match(noCode.message, /nope/);
  assert.equal(apiErrorOf(500, 'x'.repeat(10_000)).message.length <= 'the gateway answered 500: '.length + 300, true, 'a huge body is cut');
});

test('fields of the wrong type in an error body are not trusted', () => {
  const e = apiErrorOf(401, JSON.stringify({ code: 'PODPROF_TOKEN_INVALID', message: 42, hint: { x: 1 } }), 'Unauthorized');
  assert.equal(e.code, 'PODPROF_TOKEN_INVALID');
  assert.equal(e.message, 'Unauthorized');
  assert.equal(e.hint, undefined);
  assert.equal(apiErrorOf(401, 'null').code, 'HTTP_401');
});
