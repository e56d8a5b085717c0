// A .pb.gz the user has (picked with the file input, or dropped on the page)
// is decoded and analysed in the browser by the analysis worker: every
// profile view shows what the analysis core computes for those bytes, and no
// request carries them (nor asks the gateway for the file's source code).
// "Store as a capture" is the one explicit upload: it lands in the named
// namespace and is listed; refused by RBAC, the page says which rule. A file
// that is no profile (or a gzip bomb) gets a clear message, and the page keeps working.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import type { Page, Request } from 'playwright-core';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { top } from '../../src/analysis/top.ts';
import { flameTree } from '../../src/analysis/tree.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import type { Access } from '../../gateway/auth/authz.ts';
import type { CaptureList } from '../../src/api/types.ts';
import { ensureUiBuilt, launch, login, rows, screenshot, until, type Session } from '../kit/browser/browser.ts';
import { syntheticProfile } from '../kit/browser/synthetic-profile.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';

let h: Harness | undefined;
const harness = (): Harness => h as Harness;
const bytes = syntheticProfile({ functions: 400, locations: 900, stacks: 1500, samples: 8000, seed: 7 });
const NAME = 'before-deploy.pb.gz';
let s: Session;
let page: Page;
let file = '';
const requests: Request[] = [];

before(async () => {
  ensureUiBuilt();
  h = await startHarness({ pods: 1 });
  file = join(harness().dir, NAME);
  writeFileSync(file, bytes);
  s = await launch();
  page = s.page;
  // Every request of the page and of its workers.
  s.context.on('request', (r) => requests.push(r));
  await login(page, harness().url, harness().token);
});
after(async () => {
  await s?.close();
  await h?.close();
});

/** Requests so far that carry a body, or go to an upload, or ask for source code. */
function leaks(): string[] {
  return requests
    .filter((r) => (r.postDataBuffer()?.length ?? 0) > 0 || /\/api\/v1\/captures\/(upload|[^/]+\/(source|build))/.test(r.url()))
    .map((r) => `${r.method()} ${r.url()} (${r.postDataBuffer()?.length ?? 0} bytes)`);
}

async function expectedTopNames(): Promise<string[]> {
  return top(prepare(fromPprof(await decodeProfile(bytes, nodeGunzip())))).rows.map((r) => r.name);
}

test('a file picked on the captures page opens in Top with what the analysis core computes, and no request carries it', async () => {
  await page.goto(`${harness().url}/captures`);
  await page.click('a[href="/local"]');
  await page.waitForSelector('#local-file');
  await page.setInputFiles('#local-file', file);
  await page.waitForURL(/\/local\/top$/);
  await page.waitForSelector('#top-table tbody tr[data-name]');
  assert.match((await page.textContent('h1')) ?? '', new RegExp(`CPU · local file ${NAME.replace(/\./g, '\\.')}`));
  assert.match((await page.textContent('#local-note')) ?? '', /analysed in this browser only: nothing has been sent to the gateway/);
  const shown = (await rows(page, '#top-table tbody tr[data-name]')).map((r) => r.key);
  const want = await expectedTopNames();
  assert.deepEqual(shown, want.slice(0, shown.length));
  assert.ok(shown.length >= 10);
  assert.ok(
    page.workers().some((w) => /analysis-worker/.test(w.url())),
    'the analysis worker decoded it',
  );
  assert.deepEqual(leaks(), []);
});

test('every profile view works on it: flame graph, graph, peek, and source lines without fetching code', async () => {
  await page.click('a[data-view="flame"]');
  await page.waitForSelector('canvas[data-painted]');
  const tree = flameTree(prepare(fromPprof(await decodeProfile(bytes, nodeGunzip()))));
  const maxDepth = tree.nodes.reduce((m, n) => Math.max(m, n.depth), 0);
  assert.match((await page.textContent('.flame > p')) ?? '', new RegExp(`^${tree.nodes.length - 1} frames in ${maxDepth} levels`));
  assert.match(page.url(), /\/local\/flame$/);
  await page.click('a[data-view="graph"]');
  await page.waitForSelector('#view-graph svg', { timeout: 60_000 });
  const first = (await expectedTopNames())[0]!;
  await page.fill('#q', first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  await page.click('button:text-is("Peek")');
  await page.waitForURL(/\/local\/peek\?q=/);
  await page.waitForSelector('#view-peek table');
  await page.goto(`${harness().url}/local/source`).catch(() => undefined);
  // A reload forgets the file (it lived in the tab): the page says so and offers the picker again.
  await page.waitForSelector('#local-file');
  assert.match((await page.textContent('main')) ?? '', /No file is open/);
  await page.setInputFiles('#local-file', file);
  await page.waitForURL(/\/local\/top$/);
  await page.click('a[data-view="source"]');
  await page.waitForSelector('.source-file[data-source="none"]');
  assert.match((await page.textContent('.source-status')) ?? '', /no code is fetched for it/);
  await screenshot(page, 'local-file-source');
  await page.click('a[data-view="top"]');
  await page.waitForSelector('#top-table tbody tr[data-name]');
  await screenshot(page, 'local-file');
  assert.deepEqual(leaks(), []);
  assert.deepEqual(s.pageErrors, []);
});

/** Drops a file with these bytes on the page, as a user dragging it from their desktop would. */
async function drop(name: string, data: Uint8Array): Promise<void> {
  const b64 = Buffer.from(data).toString('base64');
  await page.evaluate(`(() => {
    const raw = atob(${JSON.stringify(b64)});
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], ${JSON.stringify(name)}));
    const target = document.querySelector('main') ?? document.body;
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  })()`);
}

test('a dropped file that is no profile, a broken gzip or a gzip bomb gets a clear message and the page keeps working; a dropped profile opens', async () => {
  await page.goto(`${harness().url}/pods`);
  await page.waitForSelector('button[data-pod="web-0"]');
  await drop('notes.txt', new TextEncoder().encode('this is not a profile\n'.repeat(50)));
  await page.waitForSelector('.notice.error');
  assert.match((await page.textContent('.notice.error')) ?? '', /notes\.txt is not a profile podprof can read.*not a pprof protobuf/s);
  await drop('broken.pb.gz', Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]));
  await until(page, `document.querySelector('.notice.error')?.textContent.includes('broken.pb.gz')`);
  assert.match((await page.textContent('.notice.error')) ?? '', /not a readable gzipped pprof profile/);
  // A gzip bomb: 300 KiB that would inflate to 300 MiB; the worker stops at 256 MiB and says so.
  await drop('bomb.pb.gz', gzipSync(Buffer.alloc(300 * 1024 * 1024)));
  await until(page, `document.querySelector('.notice.error')?.textContent.includes('bomb.pb.gz')`, 60_000);
  assert.match((await page.textContent('.notice.error')) ?? '', /too large: it decompresses to more than 256 MiB/);
  await drop(NAME, bytes);
  await page.waitForURL(/\/local\/top$/);
  await page.waitForSelector('#top-table tbody tr[data-name]');
  assert.deepEqual(leaks(), []);
  assert.deepEqual(s.pageErrors, []);
});

test('"Store as a capture" refused by RBAC names the rule; allowed, it uploads the file as a capture that is listed', async () => {
  const asked: Access[] = [];
  harness().setAuthorizer((_u, a) => {
    asked.push(a);
    return Promise.resolve({ allowed: !(a.resource === 'captures' && a.subresource === 'upload') });
  });
  try {
    await page.fill('#store-namespace', 'team-a');
    await page.click('#store-local');
    await page.waitForSelector('.store-status[data-error="PODPROF_FORBIDDEN"]');
    assert.match((await page.textContent('.store-status')) ?? '', /may not create captures\/upload in namespace team-a/);
  } finally {
    harness().setAuthorizer(undefined);
  }
  assert.deepEqual(
    asked.filter((a) => a.resource === 'captures'),
    [{ verb: 'create', resource: 'captures', subresource: 'upload', namespace: 'team-a' }],
  );
  await page.click('#store-local');
  await page.waitForURL(/\/captures\/[a-z0-9]+-[a-f0-9]+$/);
  const id = /\/captures\/([^/?]+)/.exec(page.url())![1]!;
  await page.waitForSelector('#top-table tbody tr[data-name]');
  assert.match((await page.textContent('h1')) ?? '', new RegExp(`team-a upload ${NAME.replace(/\./g, '\\.')}`));
  const uploads = requests.filter((r) => r.method() === 'POST' && r.url().includes('/api/v1/captures/upload'));
  assert.equal(uploads.length, 2, 'one refused, one stored: only on the button');
  assert.ok(uploads[1]!.postDataBuffer()?.equals(Buffer.from(bytes)), 'the upload is the file as it was');
  await page.click('nav a[href="/captures"]');
  await page.waitForSelector(`tr[data-capture="${id}"]`);
  assert.match((await page.textContent(`tr[data-capture="${id}"]`)) ?? '', /team-a upload before-deploy\.pb\.gz/);
  const list = (await (await page.request.get(`${harness().url}/api/v1/captures`)).json()) as CaptureList;
  assert.deepEqual(list.items.find((c) => c.id === id)?.target, { upload: NAME });
  assert.deepEqual(s.pageErrors, []);
});
