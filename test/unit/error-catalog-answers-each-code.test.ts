// Every code in the one error catalog answers with its status, in pprof text
// form (X-Go-Pprof: 1) on pprof paths and JSON on API paths.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { CATALOG, PodprofError, sendError, type ErrorCode } from '../../src/errors.ts';

async function answer(err: PodprofError, format: 'pprof' | 'json'): Promise<Response> {
  const server = createServer((_req, res) => sendError(res, err, format));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  } finally {
    server.close();
  }
}

for (const code of Object.keys(CATALOG) as ErrorCode[]) {
  test(`${code} answers ${CATALOG[code].status} in pprof and JSON form`, async () => {
    const err = new PodprofError(code, `something about ${code}`, CATALOG[code].status === 429 ? 7 : undefined);
    const text = await answer(err, 'pprof');
    assert.equal(text.status, CATALOG[code].status);
    assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(text.headers.get('x-go-pprof'), '1');
    const body = await text.text();
    assert.ok(body.startsWith(`${code}: something about ${code}\n${CATALOG[code].hint}`), body);
    const json = await answer(err, 'json');
    assert.equal(json.status, CATALOG[code].status);
    assert.deepEqual(await json.json(), { code, message: `something about ${code}`, hint: CATALOG[code].hint });
    assert.equal(text.headers.get('www-authenticate'), CATALOG[code].status === 401 ? 'Bearer realm="podprof"' : null);
    if (CATALOG[code].status === 429) assert.equal(text.headers.get('retry-after'), '7');
  });
}

test('codes are stable PODPROF_ names with 4xx/5xx statuses', () => {
  for (const [code, entry] of Object.entries(CATALOG)) {
    assert.match(code, /^PODPROF_[A-Z_]+$/);
    assert.ok(entry.status >= 400 && entry.status < 600);
    assert.ok(entry.hint.length > 10);
  }
});
