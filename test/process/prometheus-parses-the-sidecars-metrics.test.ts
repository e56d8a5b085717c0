// The sidecar writes its /metrics itself (src/serving/text-metrics.ts, not
// prom-client): Prometheus's own text parser (github.com/prometheus/common
// expfmt, built from test/fixtures/metrics-parse) reads every family with its
// type, labels and values, including label values that need escaping.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildGo } from '../../demo/go-build.ts';
import { Counter, Histogram, TextRegistry } from '../../src/serving/text-metrics.ts';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { makeKeys, mint, REPO, startInProcess, type TestSidecar } from '../kit/product/sidecar.ts';

interface Family {
  type: string;
  series: Array<Record<string, string>>;
  values: number[];
}

let parser: string;
const keys = makeKeys();
let target: GoTarget;
let sidecar: TestSidecar;

before(async () => {
  parser = await buildGo(join(REPO, 'test/fixtures/metrics-parse'), 'metrics-parse');
  target = await startGoTarget({ listen: '127.0.0.1:0' });
  sidecar = await startInProcess(keys, target.url);
});
after(async () => {
  await sidecar.close();
  await target.stop();
});

function parse(text: string): Promise<Record<string, Family>> {
  return new Promise((resolve, reject) => {
    const p = spawn(parser, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as Record<string, Family>)
        : reject(new Error(`the Prometheus parser refused the exposition: ${err}`)),
    );
    p.stdin.end(text);
  });
}

test("the sidecar's /metrics parses in Prometheus's parser with every family typed and counted", async () => {
  assert.equal((await httpsRequest(`${sidecar.url}/debug/pprof/heap`, { headers: bearer(mint(keys, 'heap')) })).status, 200);
  assert.equal((await httpsRequest(`${sidecar.url}/debug/pprof/heap`, { headers: bearer('not-a-token') })).status, 401);
  const res = await fetch(`${sidecar.healthUrl}/metrics`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const f = await parse(await res.text());
  assert.equal(f.podprof_sidecar_requests_total?.type, 'COUNTER');
  const byCode = Object.fromEntries(
    f.podprof_sidecar_requests_total.series.map((s, i) => [
      `${s.type}/${s.outcome}/${s.code}`,
      f.podprof_sidecar_requests_total!.values[i],
    ]),
  );
  assert.equal(byCode['heap/ok/200'], 1);
  assert.equal(
    Object.values(byCode).reduce((a, b) => a! + b!, 0),
    2,
    `two requests counted: ${JSON.stringify(byCode)}`,
  );
  assert.equal(f.podprof_sidecar_request_duration_seconds?.type, 'HISTOGRAM');
  assert.ok(f.podprof_sidecar_response_bytes_total!.values[0]! > 0, 'heap bytes counted');
  assert.deepEqual(f.podprof_sidecar_inflight_requests?.values, [0]);
  assert.deepEqual(f.podprof_sidecar_pprof_exposed?.values, [-1], 'no bypass check ran: unknown');
  assert.equal(f.podprof_sidecar_process_resident_memory_bytes?.type, 'GAUGE');
  assert.ok(f.podprof_sidecar_process_resident_memory_bytes.values[0]! > 1024 * 1024);
  assert.equal(f.podprof_sidecar_process_cpu_seconds_total?.type, 'COUNTER');
});

test('label values with quotes, backslashes and newlines come back from the parser as they were', async () => {
  const r = new TextRegistry('t_');
  const odd = 'a "quoted" \\ path\nnext line';
  r.add(new Counter({ name: 't_odd_total', help: 'help with \\ and\nnewline', labelNames: ['v'] })).inc({ v: odd }, 3);
  r.add(new Histogram({ name: 't_h', help: 'h', labelNames: ['v'], buckets: [1, 0.1] })).observe({ v: odd }, 0.5);
  const f = await parse(await r.metrics());
  assert.deepEqual(f.t_odd_total, { type: 'COUNTER', series: [{ v: odd }], values: [3] });
  assert.deepEqual(f.t_h, { type: 'HISTOGRAM', series: [{ v: odd }], values: [1] });
});

test('a counter refuses to go down', () => {
  const c = new Counter({ name: 'c_total', help: 'c' });
  assert.throws(() => c.inc(undefined, -1), /only goes up/);
});
