// A pod whose Go app runs a runtime/trace.FlightRecorder (Go 1.25+) and names
// its snapshot path in podprof.io/flight-recorder: the gateway lists it as
// flightRecorder, and a trace capture with flight: true takes the app's last
// seconds at once (no recording time), through the sidecar, with the same RBAC
// as any trace (pods/trace); the stored trace is a real one go tool trace reads,
// analysed like any trace capture. A pod without one refuses in words.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { Access, Authorizer } from '../../gateway/auth/authz.ts';
import type { CaptureMeta, PodList } from '../../src/api/types.ts';
import { jsonError, useHarness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';

const execFileP = promisify(execFile);
const PATH = '/debug/flightrecorder';
// web-0 runs a flight recorder; web-1 does not.
const harness = useHarness({ pods: 2, flightRecorder: (i) => (i === 0 ? PATH : undefined) });

function api(method: string, path: string, body?: unknown): Promise<Reply> {
  const h = harness();
  return httpsRequest(`${h.url}${path}`, {
    method,
    headers: { ...bearer(h.token), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

test('the pod list says which pods have a flight recorder', async () => {
  const pods = JSON.parse((await api('GET', '/api/v1/pods')).text) as PodList;
  assert.deepEqual(
    pods.items.map((p) => [p.name, p.flightRecorder]),
    [
      ['web-0', true],
      ['web-1', false],
    ],
  );
});

test("flight: true takes the app's last seconds at once, a trace go tool trace reads, analysed like any trace", async () => {
  await new Promise((r) => setTimeout(r, 2500)); // the recorder has kept its 2 s
  const started = Date.now();
  const r = await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-0', type: 'trace', flight: true });
  const ms = Date.now() - started;
  const meta = JSON.parse(r.text) as CaptureMeta;
  assert.equal(meta.status, 'done', r.text);
  assert.equal(meta.flight, true);
  assert.equal(meta.seconds, undefined);
  assert.ok(ms < 3000, `a snapshot, not a recording: ${ms} ms`);
  const trace = await api('GET', `/api/v1/captures/${meta.id}/trace.out`);
  const file = join(harness().dir, 'flight.trace.out');
  writeFileSync(file, trace.body);
  const { stdout } = await execFileP('go', ['tool', 'trace', '-pprof=sched', file], { encoding: 'buffer', maxBuffer: 64 << 20 });
  assert.ok(stdout.length > 0, 'go tool trace reads the snapshot');
  const groups = JSON.parse((await api('GET', `/api/v1/captures/${meta.id}/derived/goroutines.json`)).text) as {
    pods: Record<string, Array<{ name: string }>>;
  };
  assert.ok(
    (groups.pods['web-0'] ?? []).some((g) => g.name.startsWith('main.')),
    'the demo app’s own goroutines are in it',
  );
});

test('a flight-recorder trace needs get pods/trace like any trace; a pod without a recorder says so', async () => {
  const asked: Access[] = [];
  const deny: Authorizer = (_u, a) => {
    asked.push(a);
    return Promise.resolve(a.subresource === 'trace' ? { allowed: false } : { allowed: true });
  };
  harness().setAuthorizer(deny);
  try {
    const refused = await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-0', type: 'trace', flight: true });
    assert.equal(refused.status, 403);
    assert.match(jsonError(refused).message, /may not get pods\/trace web-0/);
  } finally {
    harness().setAuthorizer(undefined);
  }
  const none = await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-1', type: 'trace', flight: true });
  assert.equal(none.status, 403, 'nothing to capture, nothing stored');
  assert.equal(jsonError(none).code, 'PODPROF_PROFILE_DISABLED');
  assert.match(jsonError(none).message, /this pod serves no flight recorder \(podprof\.io\/flight-recorder\)/);
  const both = await api('POST', '/api/v1/captures', { namespace: 'team-a', pod: 'web-0', type: 'trace', flight: true, seconds: 5 });
  assert.equal(both.status, 400);
});
