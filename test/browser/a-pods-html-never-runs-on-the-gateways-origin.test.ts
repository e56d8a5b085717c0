// Attack 1 of docs/security.md, in a real browser: a logged-in user opens a pod's
// pprof URLs on the gateway while the pod's app answers with HTML and a script.
// The text form shows as plain text and the profile downloads; the script never
// runs, so it never acts with the user's session (no link is minted). A page of
// another origin on the same site cannot make the session act on the pod either.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { after, before, test } from 'node:test';
import { ensureUiBuilt, launch, login, type Session } from '../kit/browser/browser.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';
import { startHostileApp, type HostileApp } from '../kit/apps/hostile-app.ts';
import { testSidecarCa } from '../kit/product/sidecar-ca.ts';

let h: Harness;
let s: Session;
let hostile: HostileApp;
const pprof = (q: string): string => `${h.url}/api/v1/namespaces/team-a/pods/web-0/debug/pprof/${q}`;

before(async () => {
  ensureUiBuilt();
  h = await startHarness({ pods: 1, app: async () => (hostile = await startHostileApp()) });
  s = await launch();
  await login(s.page, h.url, h.token);
});
after(async () => {
  await s?.close();
  await h?.close();
});

const SEEN = `({ type: document.contentType, pwned: window.__pwned === true, title: document.title, marker: document.getElementById('pwned-marker') !== null, text: document.body ? document.body.innerText : '' })`;

const linkRequests = (): string[] => h.logs.filter((l) => l.includes('"audit"') && l.includes('/api/v1/links'));

test('a text form of a hostile pod shows as text and its script never runs', async () => {
  const answer = await s.page.goto(pprof('goroutine?debug=2'));
  assert.equal(answer?.status(), 200);
  await s.page.waitForTimeout(300);
  const seen = await s.page.evaluate<{ type: string; pwned: boolean; title: string; marker: boolean; text: string }>(SEEN);
  assert.deepEqual({ type: seen.type, pwned: seen.pwned, marker: seen.marker }, { type: 'text/plain', pwned: false, marker: false });
  assert.notEqual(seen.title, 'pwned');
  assert.match(seen.text, /<script>/, 'the markup is shown as text');
  assert.deepEqual(linkRequests(), [], 'the script minted no link with the session');
});

test('a profile of a hostile pod downloads instead of rendering', async () => {
  const download = s.page.waitForEvent('download', { timeout: 15_000 });
  await s.page.goto(pprof('heap')).catch(() => undefined); // navigation ends in a download
  const d = await download;
  assert.equal(d.suggestedFilename(), 'heap');
  assert.deepEqual(s.dialogs, []);
  assert.deepEqual(linkRequests(), []);
});

test("a page of another origin on the same site cannot make the user's session act on a pod", async () => {
  // Same site (https://127.0.0.1), another port: SameSite=Strict does not keep the cookie from such a request.
  const tls = testSidecarCa().issueFor('127.0.0.1');
  const evil = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<img src="${pprof('heap?gc=1')}"><img src="${pprof('goroutine?debug=2')}">`);
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
  const refusals = (): string[] => h.logs.filter((l) => l.includes('"audit"') && l.includes('/debug/pprof/') && l.includes('PODPROF_CSRF'));
  try {
    const before = hostile.asked.length;
    await s.page.goto(`https://127.0.0.1:${(evil.address() as { port: number }).port}/`);
    await s.page.waitForTimeout(1000);
    assert.equal(refusals().length, 2, 'the gateway refused both with the session cookie (PODPROF_CSRF)');
    assert.equal(hostile.asked.length, before, 'the pod was not asked for anything');
  } finally {
    evil.close();
  }
});
