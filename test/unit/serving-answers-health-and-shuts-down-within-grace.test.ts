// src/serving: the one HTTPS + health server pair every program runs. Both
// servers send nosniff on every response; the health server answers /healthz,
// the program's /readyz, /metrics, 404 and 405; the cert/key rule is named;
// close(grace) lets a request within the grace finish and cuts one beyond it,
// and ends keep-alive on the connections still busy.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import { Agent } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Counter } from 'prom-client';
import { parseFlags } from '../../src/config/flags.ts';
import { createLogger } from '../../src/log.ts';
import { servingConfigProblems, servingFlags } from '../../src/serving/config.ts';
import { createHealthServer, type Readiness } from '../../src/serving/health.ts';
import { closeNow } from '../../src/serving/shutdown.ts';
import { createRegistry } from '../../src/serving/metrics.ts';
import { startService, type RunningService } from '../../src/serving/service.ts';
import { GATEWAY_FLAGS, gatewayConfigProblems } from '../../gateway/config.ts';
import { SIDECAR_FLAGS, sidecarConfigProblems } from '../../sidecar/config.ts';
import { WEBHOOK_FLAGS, webhookConfigProblems } from '../../webhook/config.ts';
import { httpsRequest } from '../kit/net/http.ts';
import { rawRequest } from '../kit/net/raw.ts';

const LOOPBACK = { host: '127.0.0.1', port: 0 };

function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://x');
  if (url.pathname === '/slow') {
    const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('done\n'), Number(url.searchParams.get('ms')));
    res.on('close', () => clearTimeout(timer));
  } else if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('hello\n');
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page\n');
  }
}

async function start(
  ready?: () => Readiness | Promise<Readiness>,
): Promise<{ s: RunningService; logs: string[]; main: string; health: string }> {
  const logs: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => void (logs.push(chunk.toString()), cb()) });
  const registry = createRegistry('podprof_servingtest_');
  new Counter({ name: 'podprof_servingtest_hits_total', help: 'hits', registers: [registry] }).inc(3);
  const s = await startService({
    name: 'servingtest',
    tls: { hostnames: ['localhost'], ips: ['127.0.0.1'] },
    handler,
    listen: LOOPBACK,
    healthListen: LOOPBACK,
    timeouts: { headersMs: 2000, requestMs: 5000, keepAliveMs: 1000, connectionsCheckingIntervalMs: 500 },
    connections: { max: 64, perAddress: 16 },
    health: ready === undefined ? {} : { ready },
    metrics: registry,
    log: createLogger('podprof-servingtest', { destination: sink }),
    readyFields: { extra: 'field' },
  });
  return { s, logs, main: `https://127.0.0.1:${s.ports.main}`, health: `http://127.0.0.1:${s.ports.health}` };
}

test('every response of the HTTPS server carries nosniff: the handler’s, its 404 and a request the parser refused', async () => {
  const { s, logs, main } = await start();
  try {
    for (const path of ['/', '/nope']) {
      const r = await httpsRequest(`${main}${path}`);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
    }
    const refused = await rawRequest(s.ports.main, 'GET / HTTP/1.1\r\nno colon here\r\n\r\n');
    assert.equal(refused.status, 400, refused.raw);
    assert.match(refused.raw, /^X-Content-Type-Options: nosniff\r$/im);
    assert.ok(
      logs.some((l) => /"port":\d+,"healthPort":\d+,"extra":"field"/.test(l) && l.includes('servingtest ready')),
      logs.join(''),
    );
  } finally {
    await s.close(1000);
  }
});

test('the health server answers /healthz, the program’s /readyz, /metrics, 404 and 405, each with nosniff', async () => {
  let ok = false;
  const { s, health } = await start(() => Promise.resolve({ ok, json: { ready: ok, detail: 'from the program' } }));
  try {
    const healthz = await fetch(`${health}/healthz`);
    assert.deepEqual([healthz.status, healthz.headers.get('content-type'), await healthz.text()], [200, 'text/plain', 'ok\n']);
    const notReady = await fetch(`${health}/readyz`);
    assert.deepEqual(
      [notReady.status, notReady.headers.get('content-type'), await notReady.json()],
      [503, 'application/json', { ready: false, detail: 'from the program' }],
    );
    ok = true;
    const ready = await fetch(`${health}/readyz?verbose=1`);
    assert.deepEqual([ready.status, await ready.json()], [200, { ready: true, detail: 'from the program' }]);
    const metrics = await fetch(`${health}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    assert.match(text, /^podprof_servingtest_hits_total 3$/m);
    assert.match(text, /^podprof_servingtest_process_cpu_user_seconds_total /m, 'default metrics under the prefix');
    const missing = await fetch(`${health}/nope`);
    assert.deepEqual([missing.status, await missing.text()], [404, 'not found\n']);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await fetch(`${health}/healthz`, { method });
      assert.deepEqual([r.status, r.headers.get('allow')], [405, 'GET'], method);
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', method);
    }
    assert.equal((await fetch(`${health}/healthz`, { method: 'HEAD' })).status, 200);
    for (const path of ['/healthz', '/readyz', '/metrics', '/nope']) {
      assert.equal((await fetch(`${health}${path}`)).headers.get('x-content-type-options'), 'nosniff', path);
    }
  } finally {
    await s.close(1000);
  }
});

test('without a readiness of its own, /readyz answers the text "ok"', async () => {
  const server = createHealthServer({}, createRegistry('podprof_servingtest_plain_'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`);
    assert.deepEqual([r.status, r.headers.get('content-type'), await r.text()], [200, 'text/plain', 'ok\n']);
  } finally {
    await closeNow(server);
  }
});

const CAPS = { 'max-connections': 10, 'max-connections-per-address': 5, 'header-timeout': 10_000 };

test('--tls-cert-file and --tls-key-file: give both or neither, in every program', () => {
  const rule = '--tls-cert-file and --tls-key-file: give both or neither';
  assert.deepEqual(servingConfigProblems({ ...CAPS, 'tls-cert-file': 'c.pem', 'tls-key-file': undefined }), [rule]);
  assert.deepEqual(servingConfigProblems({ ...CAPS, 'tls-cert-file': undefined, 'tls-key-file': 'k.pem' }), [rule]);
  assert.deepEqual(servingConfigProblems({ ...CAPS, 'tls-cert-file': 'c.pem', 'tls-key-file': 'k.pem' }), []);
  assert.deepEqual(servingConfigProblems({ ...CAPS, 'tls-cert-file': undefined, 'tls-key-file': undefined }), []);
  const certOnly = ['--tls-cert-file', 'c.pem'];
  const sidecar = parseFlags(SIDECAR_FLAGS, [...certOnly, '--jwks-file', 'j'], { POD_NAMESPACE: 'a', POD_NAME: 'b', POD_UID: 'c' });
  assert.ok(sidecarConfigProblems(sidecar).includes(rule));
  assert.ok(webhookConfigProblems(parseFlags(WEBHOOK_FLAGS, [...certOnly, '--sidecar-image', 'i', '--jwks-file', 'j'], {})).includes(rule));
  assert.ok(gatewayConfigProblems(parseFlags(GATEWAY_FLAGS, [...certOnly, '--signing-key-file', 'k'], {})).includes(rule));
});

test('the shared flags keep each program’s defaults, and --shutdown-grace defaults to its old fixed wait', () => {
  const flags = servingFlags({
    listenHelp: 'who calls',
    noCertificate: 'self-signed',
    grace: { ms: 7000, text: '7s' },
    connections: { max: 10, perAddress: 5 },
  });
  const c = parseFlags(flags, ['--shutdown-grace', '250ms'], {});
  assert.deepEqual(
    [c.listen, c['health-listen'], c['shutdown-grace'], c['log-level']],
    [{ host: '', port: 8443 }, { host: '', port: 8081 }, 250, 'info'],
  );
  assert.equal(flags.listen.description, 'who calls');
  assert.equal(parseFlags(flags, [], { PODPROF_SHUTDOWN_GRACE: '2s' })['shutdown-grace'], 2000);
  const sidecar = parseFlags(SIDECAR_FLAGS, [], { POD_NAMESPACE: 'a', POD_NAME: 'b', POD_UID: 'c' });
  const webhook = parseFlags(WEBHOOK_FLAGS, ['--sidecar-image', 'i'], {});
  const gateway = parseFlags(GATEWAY_FLAGS, ['--signing-key-file', 'k'], {});
  assert.deepEqual([sidecar['shutdown-grace'], webhook['shutdown-grace'], gateway['shutdown-grace']], [30_000, 5_000, 10_000]);
  assert.deepEqual(
    [SIDECAR_FLAGS['shutdown-grace'].defaultText, WEBHOOK_FLAGS['shutdown-grace'].defaultText, GATEWAY_FLAGS['shutdown-grace'].defaultText],
    ['30s', '5s', '10s'],
  );
});

test('close(grace) lets an in-flight request finish within the grace, then refuses new connections on both ports', async () => {
  const { s, main, health } = await start();
  const inFlight = httpsRequest(`${main}/slow?ms=400`);
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  await s.close(5000);
  const took = Date.now() - started;
  const r = await inFlight;
  assert.deepEqual([r.status, r.text], [200, 'done\n'], 'the request that was running completed');
  assert.ok(took < 2000, `close resolved once the request finished (${took} ms), not at the end of the grace`);
  // Refused: the port is closed (a connect that raced the listener's close is reset instead).
  await assert.rejects(httpsRequest(`${main}/`), /ECONNREFUSED|ECONNRESET/);
  await assert.rejects(fetch(`${health}/healthz`));
});

test('close(grace) lets a connection still shaking hands finish its handshake and its request', async () => {
  const { s } = await start();
  // Accepted, but no ClientHello yet: the connection is not an idle HTTP connection to cut.
  const raw = connect(s.ports.main, '127.0.0.1');
  await once(raw, 'connect');
  await new Promise((r) => setTimeout(r, 50));
  const closed = s.close(5000);
  const socket = tlsConnect({ socket: raw, rejectUnauthorized: false, servername: 'localhost' });
  await once(socket, 'secureConnect');
  socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  const chunks: Buffer[] = [];
  for await (const c of socket) chunks.push(c as Buffer);
  assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 200 /);
  await closed;
});

test('close(grace) cuts a request that outlives the grace', async () => {
  const { s, main } = await start();
  const inFlight = httpsRequest(`${main}/slow?ms=10000`);
  await new Promise((r) => setTimeout(r, 100));
  const started = Date.now();
  await s.close(300);
  const took = Date.now() - started;
  await assert.rejects(inFlight);
  assert.ok(took >= 250 && took < 3000, `closed at the end of the grace (${took} ms)`);
});

test('close(grace) ends keep-alive: the answer in flight says Connection: close, and its client cannot start another request on that connection', async () => {
  const { s, main } = await start();
  // One kept-alive connection, as a scraper keeps to a gateway replica.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  try {
    assert.equal((await httpsRequest(`${main}/`, { agent })).headers.connection, 'keep-alive');
    const inFlight = httpsRequest(`${main}/slow?ms=600`, { agent });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const closed = s.close(10_000);
    const r = await inFlight;
    assert.deepEqual([r.status, r.headers.connection], [200, 'close'], 'answered, and its connection ends with it');
    // Node's close() alone went on serving a request sent now on the kept-alive connection, until the grace cut it.
    await assert.rejects(httpsRequest(`${main}/`, { agent }), /ECONNREFUSED|ECONNRESET/);
    await closed;
    assert.ok(Date.now() - started < 3000, 'close resolved once the answer was sent, not at the end of the grace');
  } finally {
    agent.destroy();
  }
});
