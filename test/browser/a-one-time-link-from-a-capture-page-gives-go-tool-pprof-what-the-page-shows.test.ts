// The journey of issue 24 item 7, in Chromium against `podprof demo`: on a
// stored capture's page, "One-time link for go tool pprof" offers a command
// that verifies the gateway with the demo's CA (no https+insecure), and the
// real go tool pprof, run as pasted, reads that stored capture (the merge of
// both pods, samples labelled pod=…), not a new live profile of one pod.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { ensureUiBuilt, launch, login, screenshot, type Session } from '../kit/browser/browser.ts';
import { startDemoProcess, type DemoProcess } from '../kit/product/demo-process.ts';
import { REPO } from '../kit/product/sidecar.ts';
import { httpsRequest } from '../kit/net/http.ts';

const run = promisify(execFile);
const GO = process.env.GO ?? '/usr/local/go/bin/go';
const work = mkdtempSync(join(tmpdir(), 'podprof-ui-link-'));
const ENV = { ...process.env, PATH: `${join(GO, '..')}:${process.env.PATH ?? ''}`, PPROF_TMPDIR: join(work, 'pprof') };
let demo: DemoProcess;
let s: Session;

before(async () => {
  assert.ok(existsSync(join(REPO, 'dist/podprof.js')), 'dist/ is missing: run `npm run build` first');
  ensureUiBuilt();
  demo = await startDemoProcess(['--port', '0', '--dir', join(work, 'demo'), '--pods', '2']);
  s = await launch();
  await login(s.page, demo.url, demo.token);
});

after(async () => {
  await s?.close();
  await demo?.stop();
  rmSync(work, { recursive: true, force: true });
});

const samples = (raw: string): string => raw.slice(raw.indexOf('Samples:'));

test('the capture page offers a one-time link whose command, run as pasted, has go tool pprof read the stored capture through the demo CA', async () => {
  const api = (path: string, body?: object) =>
    httpsRequest(`${demo.url}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${demo.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      ca: readFileSync(demo.caFile),
      rejectUnauthorized: true,
    });
  const made = await api('/api/v1/captures', { namespace: 'demo', selector: 'app=demo-app', type: 'heap' });
  assert.equal(made.status, 201, made.text);
  const { id } = JSON.parse(made.text) as { id: string };
  const file = join(work, 'stored.pb.gz');
  writeFileSync(file, (await api(`/api/v1/captures/${id}/profile.pb.gz`)).body);
  const expected = (await run(GO, ['tool', 'pprof', '-raw', file], { env: ENV })).stdout;

  await s.page.goto(`${demo.url}/captures/${id}/top`);
  await s.page.click('#make-link');
  const box = s.page.locator('.links .command-box', { hasText: 'this capture' });
  await box.waitFor();
  const command = (await box.locator('code.command').textContent()) ?? '';
  await screenshot(s.page, 'capture-page-one-time-link');
  assert.match(
    command,
    /^SSL_CERT_FILE=\S+ go tool pprof -tls_ca=\S+ -http=: 'https:\/\/pprof:[^@']+@127\.0\.0\.1:\d+\/api\/v1\/captures\//,
  );
  assert.ok(command.includes(demo.caFile), `the command names the demo's CA ${demo.caFile}: ${command}`);
  assert.doesNotMatch(command, /insecure/);

  const r = await run('sh', ['-c', command.replace(' -http=: ', ' -raw ')], { env: ENV, timeout: 60_000 });
  assert.equal(samples(r.stdout), samples(expected), 'go tool pprof read the stored capture, as the page shows it');
  assert.match(r.stdout, /pod:\[demo-app-/);
  assert.deepEqual(s.pageErrors, []);
});
