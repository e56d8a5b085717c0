// A second `podprof demo` while one runs: on the same folder it finds the lock
// (<dir>/demo.lock, the first's pid), on the same port it finds the port taken —
// either way before it writes anything — and exits non-zero with a message naming
// the folder or port and what to do (--dir, --port). The first demo's token,
// targets and keys are untouched: its token still answers 200 and a profile
// still comes through its gateway from its pods.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runDemoToExit, startDemoProcess, type DemoProcess } from '../kit/product/demo-process.ts';
import { REPO } from '../kit/product/sidecar.ts';
import { httpsRequest } from '../kit/net/http.ts';

let first: DemoProcess;
const root = mkdtempSync(join(tmpdir(), 'podprof-two-demos-'));
const dirA = join(root, 'a');
let before_: Record<string, string>;

/** Every file the first demo wrote, with its contents (the store aside). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (statSync(join(dir, f)).isFile()) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}

before(async () => {
  assert.ok(existsSync(join(REPO, 'dist/podprof.js')), 'dist/ is missing: run `npm run build` first');
  first = await startDemoProcess(['--port', '0', '--dir', dirA, '--pods', '1']);
  before_ = snapshot(dirA);
});

after(async () => {
  await first?.stop();
  rmSync(root, { recursive: true, force: true });
});

async function firstStillWorks(): Promise<void> {
  const headers = { authorization: `Bearer ${first.token}` };
  const pods = await httpsRequest(`${first.url}/api/v1/pods`, { headers, ca: readFileSync(first.caFile), rejectUnauthorized: true });
  assert.equal(pods.status, 200, pods.text);
  const [pod] = (JSON.parse(pods.text) as { items: { name: string }[] }).items;
  assert.ok(pod, 'the first demo lists its pod');
  const heap = await httpsRequest(`${first.url}/api/v1/namespaces/demo/pods/${pod.name}/debug/pprof/heap`, {
    headers,
    ca: readFileSync(first.caFile),
    rejectUnauthorized: true,
  });
  assert.equal(heap.status, 200, heap.text);
  assert.equal(heap.body.subarray(0, 2).toString('hex'), '1f8b', 'a gzipped profile');
  assert.deepEqual(snapshot(dirA), before_, "the first demo's token, targets, keys and certificates are as it wrote them");
}

test('a second demo on the same folder exits 1 naming the folder, the first pid and --dir; the first keeps working', async () => {
  const port = new URL(first.url).port;
  const second = await runDemoToExit(['--dir', dirA, '--port', '0']);
  assert.equal(second.code, 1, second.stderr);
  assert.match(
    second.stderr,
    new RegExp(`^podprof demo: ${dirA.replaceAll('/', '\\/')} is in use by another podprof demo \\(pid ${first.child.pid}\\)`),
  );
  assert.match(second.stderr, /--dir DIR --port 0/);
  assert.doesNotMatch(second.stdout, /podprof demo is running/);
  assert.equal(readFileSync(join(dirA, 'demo.lock'), 'utf8').trim(), String(first.child.pid), "the lock is still the first demo's");
  assert.equal(new URL(first.url).port, port);
  await firstStillWorks();
});

test('a second demo on the same port, in a folder of its own, exits 1 naming the port before writing its folder; the first keeps working', async () => {
  const port = new URL(first.url).port;
  const dirB = join(root, 'b');
  const second = await runDemoToExit(['--dir', dirB, '--port', port]);
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`127\\.0\\.0\\.1:${port} is already in use`));
  assert.match(second.stderr, /--port 0 picks a free one/);
  assert.match(second.stderr, new RegExp(`nothing in ${dirB.replaceAll('/', '\\/')} was changed`));
  for (const f of ['tokens.csv', 'targets.json', 'signing-key.pem', 'ca.crt', 'demo.lock'])
    assert.equal(existsSync(join(dirB, f)), false, `${f} was written`);
  await firstStillWorks();
});

test('with the first demo stopped, its folder is free again and a new demo starts there', async () => {
  await first.stop();
  assert.equal(existsSync(join(dirA, 'demo.lock')), false, 'the lock is removed on Ctrl-C');
  const again = await startDemoProcess(['--port', '0', '--dir', dirA, '--pods', '1']);
  try {
    assert.equal(readFileSync(join(dirA, 'demo.lock'), 'utf8').trim(), String(again.child.pid));
    assert.equal(readFileSync(join(dirA, 'ca.crt'), 'utf8'), before_['ca.crt'], 'the CA is kept across runs: a saved path keeps working');
  } finally {
    await again.stop();
  }
});
