// `podprof capture … --debug 2` as a user runs it (the built CLI as a child
// process) against a gateway with real Go apps behind sidecars: one pod's
// goroutine dump is written to -o FILE as Go wrote it (goroutine?debug=2 text,
// the same text the gateway stored); a workload's goes to -o DIR, each pod's
// dump and their grouping; --debug 2 with another type, with --seconds, or a
// debug level other than 2 is a usage error (exit 2) saying what to give.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { GoroutineDumpSummary } from '../../src/goroutine-dump/group.ts';
import { parseGoroutineDump } from '../../src/goroutine-dump/parse.ts';
import { runCli, type CliRun } from '../kit/product/cli-process.ts';
import { startHarness, useHarness, type Harness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { NODE, REPO } from '../kit/product/sidecar.ts';

// A sidecar answers debug=2 at most once every 30 s: the one-pod test has its own pod.
const harness = useHarness({ pods: 2 });
const UNVERIFIED = ['--insecure-skip-tls-verify', '--send-token-unverified'];

function podprof(h: Harness, args: readonly string[]): Promise<CliRun> {
  return runCli(args, { node: NODE, cwd: REPO, env: { ...process.env, PODPROF_TOKEN: h.token, PODPROF_GATEWAY: h.url } });
}

test("podprof capture NS/POD --debug 2 writes the pod's goroutine dump as Go wrote it, the text the gateway stored", async (t) => {
  const solo = await startHarness({ pods: 1 });
  t.after(() => solo.close());
  const out = join(solo.dir, 'web-0.goroutines.txt');
  const r = await podprof(solo, ['capture', 'team-a/web-0', '--debug', '2', '-o', out, ...UNVERIFIED]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^capturing goroutine from team-a\/web-0 \(capture ([a-z0-9-]+)\)…$/m);
  assert.match(r.stderr, /wrote .*web-0\.goroutines\.txt \(\d+ bytes\): goroutine dump from team-a\/web-0; capture /);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^goroutine \d+ \[/);
  const dump = parseGoroutineDump(text);
  assert.ok(dump.goroutines.length >= 50, `the demo app's parked goroutines are in it: ${dump.goroutines.length}`);
  const id = /\(capture ([a-z0-9-]+)\)/.exec(r.stderr)![1];
  const stored = await httpsRequest(`${solo.url}/api/v1/captures/${id}/goroutines.txt`, { headers: bearer(solo.token) });
  assert.equal(stored.text, text, 'the file is the text the gateway stored');
});

test("podprof capture -n NS deployment/NAME --debug 2 writes each pod's dump and their grouping to -o DIR", async () => {
  const h = harness();
  const dir = join(h.dir, 'dumps');
  const r = await podprof(h, [
    'capture',
    '-n',
    'team-a',
    'deployment/web',
    '--type',
    'goroutine',
    '--debug',
    '2',
    '-o',
    dir,
    ...UNVERIFIED,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capturing goroutine from 2 pods in team-a/);
  assert.match(r.stderr, /wrote 3 files to .*dumps: each pod's goroutine dump/);
  assert.deepEqual(readdirSync(dir).sort(), ['goroutine-dump.json', 'web-0.goroutines.txt', 'web-1.goroutines.txt']);
  for (const pod of ['web-0', 'web-1']) assert.match(readFileSync(join(dir, `${pod}.goroutines.txt`), 'utf8'), /^goroutine \d+ \[/);
  const summary = JSON.parse(readFileSync(join(dir, 'goroutine-dump.json'), 'utf8')) as GoroutineDumpSummary;
  assert.deepEqual(summary.pods.map((p) => p.pod).sort(), ['web-0', 'web-1']);
  const toStdout = await podprof(h, ['capture', '-n', 'team-a', 'deployment/web', '--debug', '2', '-o', '-', ...UNVERIFIED]);
  assert.equal(toStdout.code, 2, toStdout.stderr);
  assert.match(toStdout.stderr, /-o -: a goroutine dump capture of several pods writes a directory \(-o DIR\)/);
});

test('--debug 2 with another type, with --seconds, or another debug level is a usage error saying what to give', async () => {
  const h = harness();
  const out = join(h.dir, 'never.txt');
  const cases: [string[], RegExp][] = [
    [['--type', 'heap', '--debug', '2'], /--debug 2 is a goroutine dump: --type goroutine, not heap/],
    [['--debug', '2', '--seconds', '5'], /--debug 2 takes no --seconds: a goroutine dump is every goroutine now/],
    [['--type', 'goroutine', '--debug', '1'], /want 2 \(a goroutine dump\); for the goroutine profile give --type goroutine alone/],
  ];
  for (const [flags, message] of cases) {
    const r = await podprof(h, ['capture', 'team-a/web-0', ...flags, '-o', out, ...UNVERIFIED]);
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.deepEqual(
    readdirSync(h.dir).filter((f) => f === 'never.txt'),
    [],
    'nothing was written',
  );
});
