// One-time links against the demo's gateway, used by the real `go tool pprof`
// exactly as the API (and so the web UI and `podprof link`) offers them:
//  - the offered command verifies the gateway with the demo's CA (ca.crt), never
//    https+insecure; `go tool pprof` ignores -tls_ca, so the command also sets
//    SSL_CERT_FILE, which it honours — without either it fails on the certificate;
//  - a link made on a stored capture fetches that stored profile (here a merge of
//    two pods, samples labelled pod=…), not a new live profile of one pod;
//  - a link works once, and only for what it was made for.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startDemoProcess, type DemoProcess } from '../kit/product/demo-process.ts';
import { REPO } from '../kit/product/sidecar.ts';
import { httpsRequest, type Reply } from '../kit/net/http.ts';

const run = promisify(execFile);
const GO = process.env.GO ?? '/usr/local/go/bin/go';
const work = mkdtempSync(join(tmpdir(), 'podprof-stored-link-'));
/** pprof saves what it fetches under PPROF_TMPDIR; kept out of ~/pprof. */
const ENV = { ...process.env, PATH: `${join(GO, '..')}:${process.env.PATH ?? ''}`, PPROF_TMPDIR: join(work, 'pprof') };
let demo: DemoProcess;
let ca: Buffer;

before(async () => {
  assert.ok(existsSync(join(REPO, 'dist/podprof.js')), 'dist/ is missing: run `npm run build` first');
  demo = await startDemoProcess(['--port', '0', '--dir', join(work, 'demo'), '--pods', '2']);
  ca = readFileSync(demo.caFile);
});

after(async () => {
  await demo?.stop();
  rmSync(work, { recursive: true, force: true });
});

function api(path: string, body?: object): Promise<Reply> {
  return httpsRequest(`${demo.url}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${demo.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    ca,
    rejectUnauthorized: true,
  });
}

async function link(body: object): Promise<{ url: string; command: string }> {
  const r = await api('/api/v1/links', body);
  assert.equal(r.status, 201, r.text);
  return JSON.parse(r.text) as { url: string; command: string };
}

/** The offered command with -http=: swapped for `view` (-raw, -top), run by sh as a user would paste it. */
async function runOffered(command: string, view: string): Promise<{ ok: boolean; out: string; stdout: string }> {
  assert.match(command, / -http=: '/);
  try {
    const r = await run('sh', ['-c', command.replace(' -http=: ', ` ${view} `)], { env: ENV, timeout: 60_000 });
    return { ok: true, out: r.stdout + r.stderr, stdout: r.stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}`, stdout: e.stdout ?? '' };
  }
}

/** -raw output from its samples on: the same profile gives the same text wherever it was read from. */
const samples = (raw: string): string => raw.slice(raw.indexOf('Samples:'));

test('the command a link comes with verifies the gateway with the demo CA, and the real go tool pprof reads a live profile with it', async () => {
  const pods = JSON.parse((await api('/api/v1/pods')).text) as { items: { name: string }[] };
  const l = await link({ namespace: 'demo', pod: pods.items[0]!.name, type: 'heap' });
  const q = demo.caFile;
  assert.equal(l.command, `SSL_CERT_FILE=${q} go tool pprof -tls_ca=${q} -http=: '${l.url}'`);
  assert.doesNotMatch(l.command, /insecure/);
  const r = await runOffered(l.command, '-top');
  assert.ok(r.ok, r.out);
  assert.match(r.out, /Type: inuse_space/);
});

test('without the CA the same go tool pprof fails on the certificate: the CA is what makes the link work', async () => {
  const pods = JSON.parse((await api('/api/v1/pods')).text) as { items: { name: string }[] };
  const l = await link({ namespace: 'demo', pod: pods.items[0]!.name, type: 'heap' });
  const r = await runOffered(`go tool pprof -http=: '${l.url}'`, '-top');
  assert.equal(r.ok, false, r.out);
  assert.match(r.out, /certificate signed by unknown authority/);
});

test("a link made on a stored capture gives go tool pprof that capture's profile, once", async () => {
  const made = await api('/api/v1/captures', { namespace: 'demo', selector: 'app=demo-app', type: 'heap' });
  assert.equal(made.status, 201, made.text);
  const meta = JSON.parse(made.text) as { id: string; status: string; pods: unknown[] };
  assert.equal(meta.status, 'done');
  assert.equal(meta.pods.length, 2);
  // What the UI shows: the stored, merged profile (each sample labelled with its pod).
  const stored = await api(`/api/v1/captures/${meta.id}/profile.pb.gz`);
  assert.equal(stored.status, 200);
  const file = join(work, 'stored.pb.gz');
  writeFileSync(file, stored.body);
  const expected = (await run(GO, ['tool', 'pprof', '-raw', file], { env: ENV })).stdout;
  assert.match(expected, /pod:\[demo-app-/, 'the stored profile is the merge, labelled by pod');

  const l = await link({ capture: meta.id });
  assert.equal(new URL(l.url).pathname, `/api/v1/captures/${meta.id}/profile.pb.gz`);
  assert.match(l.command, new RegExp(`^SSL_CERT_FILE=\\S+ go tool pprof -tls_ca=\\S+ -http=: '`));
  const got = await runOffered(l.command, '-raw');
  assert.ok(got.ok, got.out);
  assert.equal(samples(got.stdout), samples(expected), "go tool pprof read the stored capture's samples");

  const again = await runOffered(l.command, '-raw');
  assert.equal(again.ok, false, 'a link works once');
  assert.match(again.out, /401 Unauthorized - PODPROF_LINK_INVALID|already used or has expired/);
});

test('a stored-capture link opens no pod, and a pod link opens no stored capture', async () => {
  const made = await api('/api/v1/captures', { namespace: 'demo', selector: 'app=demo-app', type: 'goroutine' });
  const meta = JSON.parse(made.text) as { id: string };
  const pods = JSON.parse((await api('/api/v1/pods')).text) as { items: { name: string }[] };
  const stored = new URL((await link({ capture: meta.id })).url);
  const onPod = await httpsRequest(`${demo.url}/api/v1/namespaces/demo/pods/${pods.items[0]!.name}/debug/pprof/goroutine`, {
    headers: { authorization: `Basic ${Buffer.from(`pprof:${stored.password}`).toString('base64')}` },
    ca,
    rejectUnauthorized: true,
  });
  assert.equal(onPod.status, 401);
  assert.match(onPod.text, new RegExp(`this link is for capture ${meta.id}`));
  const live = new URL((await link({ namespace: 'demo', pod: pods.items[0]!.name, type: 'goroutine' })).url);
  const onCapture = await httpsRequest(`${demo.url}/api/v1/captures/${meta.id}/profile.pb.gz`, {
    headers: { authorization: `Basic ${Buffer.from(`pprof:${live.password}`).toString('base64')}` },
    ca,
    rejectUnauthorized: true,
  });
  assert.equal(onCapture.status, 401);
  assert.equal(onCapture.headers['x-go-pprof'], '1', 'go tool pprof prints the error it gets here');
  assert.match(onCapture.text, /this link is for demo\//);
  const failedLink = await api('/api/v1/links', { capture: 'nosuchid00-0123456789' });
  assert.equal(failedLink.status, 404, failedLink.text);
});

test('podprof link --capture ID, set up as the demo banner says, prints a link and a command that go tool pprof runs with the CA', async () => {
  const made = await api('/api/v1/captures', { namespace: 'demo', selector: 'app=demo-app', type: 'goroutine' });
  const { id } = JSON.parse(made.text) as { id: string };
  const cli = await run(process.execPath, [join(REPO, 'bin/podprof.mjs'), 'link', '--capture', id], {
    env: { ...ENV, PODPROF_GATEWAY: demo.url, PODPROF_TOKEN: demo.token, PODPROF_CA_FILE: demo.caFile },
  });
  const [url, command] = cli.stdout.trim().split('\n');
  assert.equal(new URL(url!).pathname, `/api/v1/captures/${id}/profile.pb.gz`);
  assert.equal(command, `SSL_CERT_FILE=${demo.caFile} go tool pprof -tls_ca=${demo.caFile} -http=: '${url}'`);
  assert.match(cli.stderr, new RegExp(`one-time link for capture ${id}: works once`));
  const r = await runOffered(command, '-top');
  assert.ok(r.ok, r.out);
  assert.match(r.out, /Type: goroutine/);
});
