// The hostile request table: each case gets a clear status, and the real
// sidecar process is alive and serving afterwards.
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { after, before, test } from 'node:test';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { get, rawRequest } from '../kit/net/raw.ts';
import { makeKeys, mint, startChild, type ChildSidecar } from '../kit/product/sidecar.ts';
import { allClosedWithin, closeAll, openSilent } from '../kit/net/silent-connections.ts';

const keys = makeKeys();
let target: GoTarget;
let sidecar: ChildSidecar;

before(async () => {
  target = await startGoTarget({ listen: '127.0.0.1:0' });
  sidecar = await startChild(keys, target.url, ['--header-timeout', '1s', '--max-seconds', '30']);
});
after(async () => {
  await sidecar.close();
  await target.stop();
});

async function assertAliveAndServing(): Promise<void> {
  assert.ok(sidecar.alive(), 'sidecar process is alive');
  const r = await httpsRequest(`${sidecar.url}/debug/pprof/heap`, { headers: bearer(mint(keys, 'heap')) });
  assert.equal(r.status, 200, r.text);
}

const H = (): Record<string, string> => ({ authorization: `Bearer ${mint(keys, 'heap')}` });

const PATHS: Array<[string, string, number]> = [
  ['dot-dot traversal', '/debug/pprof/../../etc/passwd', 404],
  ['dot-dot after the type', '/debug/pprof/heap/..', 404],
  ['single dot segment', '/debug/pprof/./heap', 404],
  ['encoded dots', '/debug/pprof/%2e%2e/heap', 404],
  ['encoded slash', '/debug/pprof%2fheap', 404],
  ['double slash', '//debug/pprof/heap', 404],
  ['inner double slash', '/debug/pprof//heap', 404],
  ['backslash', '/debug/pprof\\heap', 404],
  ['encoded backslash', '/debug/pprof/%5cheap', 404],
  ['root', '/', 404],
  ['pprof index', '/debug/pprof/', 404],
  ['unknown profile', '/debug/pprof/nope', 404],
  ['metrics on the pprof port', '/metrics', 404],
  ['absolute-form target', 'http://evil.example/debug/pprof/heap', 404],
  ['negative seconds', '/debug/pprof/heap?seconds=-1', 400],
  ['non-numeric seconds', '/debug/pprof/heap?seconds=abc', 400],
  ['huge seconds', '/debug/pprof/heap?seconds=99999999999', 400],
  ['seconds over the cap', '/debug/pprof/heap?seconds=31', 400],
  ['debug out of range', '/debug/pprof/heap?debug=9', 400],
  ['gc=2', '/debug/pprof/heap?gc=2', 400],
  ['unknown parameter', '/debug/pprof/heap?foo=bar', 400],
  ['parameter twice', '/debug/pprof/heap?debug=1&debug=0', 400],
  ['seconds with debug', '/debug/pprof/heap?seconds=1&debug=1', 400],
  ['bad percent-encoding', '/debug/pprof/heap?debug=%zz', 400],
  ['10 KB query', `/debug/pprof/heap?x=${'a'.repeat(10_000)}`, 400],
];

for (const [name, path, status] of PATHS) {
  test(`hostile request answered ${status}: ${name}`, async () => {
    const r = await rawRequest(sidecar.port, get(path, H()));
    assert.equal(r.status, status, r.raw.slice(0, 300));
    assert.match(r.raw, /X-Go-Pprof: 1/i);
    assert.match(r.raw, /content-type: text\/plain; charset=utf-8/i);
    await assertAliveAndServing();
  });
}

for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
  test(`hostile request answered 405: ${method} on heap`, async () => {
    const r = await rawRequest(
      sidecar.port,
      `${method} /debug/pprof/heap HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${mint(keys, 'heap')}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
    );
    assert.equal(r.status, 405, r.raw.slice(0, 200));
    await assertAliveAndServing();
  });
}

test('hostile request: a GET with a body is refused', async () => {
  const r = await rawRequest(
    sidecar.port,
    `GET /debug/pprof/heap HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${mint(keys, 'heap')}\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello`,
  );
  assert.equal(r.status, 400);
  await assertAliveAndServing();
});

test('hostile request: 64 KB of headers gets 431', async () => {
  const r = await rawRequest(sidecar.port, get('/debug/pprof/heap', { ...H(), 'x-pad': 'p'.repeat(64 * 1024) }));
  assert.equal(r.status, 431);
  assert.match(r.raw, /PODPROF_HEADERS_TOO_LARGE: the request was refused before it was read/);
  await assertAliveAndServing();
});

test('hostile request: a Trailer header is served and does not crash the proxy', async () => {
  const r = await rawRequest(sidecar.port, get('/debug/pprof/heap', { ...H(), trailer: 'x-checksum', te: 'trailers' }));
  assert.equal(r.status, 200);
  await assertAliveAndServing();
});

test('hostile request: a Trailer header on a chunked symbol POST does not crash the proxy', async () => {
  const token = mint(keys, 'symbol');
  const body = '11\r\n0x401000+0x402000\r\n0\r\nx-checksum: 1\r\n\r\n';
  const r = await rawRequest(
    sidecar.port,
    `POST /debug/pprof/symbol HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ntrailer: x-checksum\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n${body}`,
  );
  assert.equal(r.status, 200, r.raw.slice(0, 300));
  await assertAliveAndServing();
});

test('hostile request: Content-Length with Transfer-Encoding (smuggling) gets 400', async () => {
  const r = await rawRequest(
    sidecar.port,
    `POST /debug/pprof/symbol HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${mint(keys, 'symbol')}\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\nGET /debug/pprof/cmdline HTTP/1.1\r\nhost: x\r\n\r\n`,
  );
  assert.equal(r.status, 400);
  assert.doesNotMatch(r.raw, /HTTP\/1\.1 200/);
  await assertAliveAndServing();
});

test('hostile request: garbage instead of HTTP gets 400', async () => {
  const r = await rawRequest(sidecar.port, '\x00\x01\x02 not http at all\r\n\r\n');
  assert.equal(r.status, 400);
  assert.match(r.raw, /X-Go-Pprof: 1/);
  assert.match(r.raw, /PODPROF_BAD_REQUEST: the request was refused before it was read/);
  await assertAliveAndServing();
});

test('hostile request: a client trickling one byte a second is cut off at the header timeout', async () => {
  const started = Date.now();
  const closed = await new Promise<string>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: sidecar.port, rejectUnauthorized: false });
    const payload = get('/debug/pprof/heap', H());
    let i = 0;
    let reply = '';
    const timer = setInterval(() => {
      if (i < payload.length && socket.writable) socket.write(payload[i++] ?? '');
    }, 1000);
    socket.on('data', (c: Buffer) => (reply += c.toString()));
    socket.on('close', () => {
      clearInterval(timer);
      resolve(reply);
    });
    socket.on('error', () => undefined);
  });
  assert.ok(Date.now() - started < 8000, 'the sidecar hung up within a few seconds');
  assert.match(closed, /^(HTTP\/1\.1 408 Request Timeout[\s\S]*PODPROF_REQUEST_TIMEOUT: [\s\S]*|)$/);
  await assertAliveAndServing();
});

test('hostile connections: silent ones are closed after the header timeout; past 24 from one address new ones are closed at accept while another address is served', async (t) => {
  const silent = [...(await openSilent(sidecar.port, 10, { tls: false })), ...(await openSilent(sidecar.port, 10, { tls: true }))];
  assert.ok(await allClosedWithin(silent, 6000), 'every silent connection was closed');
  const held = await openSilent(sidecar.port, 30, { tls: false });
  try {
    const refused = held.filter((c) => c.refused).length;
    assert.equal(refused, 6, `${refused} of 30 refused (--max-connections-per-address 24)`);
    const other = await httpsRequest(`${sidecar.url}/debug/pprof/heap`, { headers: bearer(mint(keys, 'heap')), localAddress: '127.0.0.2' });
    assert.equal(other.status, 200, other.text);
    t.diagnostic(`20 silent connections closed; ${refused} of 30 from 127.0.0.1 refused at accept; 127.0.0.2 served`);
  } finally {
    closeAll(held);
  }
  await new Promise((r) => setTimeout(r, 300)); // the sidecar sees them close
  await assertAliveAndServing();
});
