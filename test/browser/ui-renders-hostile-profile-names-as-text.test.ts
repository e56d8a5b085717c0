// Profile contents are untrusted: test/fixtures/profiles/hostile.pb.gz names
// functions, files and pod labels with markup and javascript: URLs. Seeded
// into the gateway's capture store as a merged capture, every view of the UI
// shows those names as text: no dialog opens, no script runs, no element
// carries a javascript: URL or an event attribute, the graph's SVG has no link.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, rows, screenshot, type Session } from '../kit/browser/browser.ts';
import type { Harness } from '../kit/product/gateway.ts';
import { openSeeded } from '../kit/browser/seeded-capture.ts';
import { nameLines } from '../../gateway/ui/src/views/dot.ts';

let h: Harness | undefined;
const harness = (): Harness => h as Harness;
let ID = '';
let s: Session;

/** Attributes that could run code or navigate: any on*, and href/src/action values with a scheme other than http(s)/relative. */
const DANGER = `(() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) bad.push(el.localName + ' ' + a.name);
      if (/(^|:)(href|src|action|formaction|xlink:href)$/i.test(a.name) && /^\\s*(javascript|data|vbscript):/i.test(a.value) && a.value !== 'data:,') bad.push(el.localName + ' ' + a.name + '=' + a.value);
    }
  }
  const scripts = [...document.querySelectorAll('script')].filter((x) => !x.src);
  return { bad, inlineScripts: scripts.length, imgs: document.querySelectorAll('img, iframe, object, embed, foreignObject').length, pwned: window.__pwned === true };
})()`;

before(async () => {
  ({
    h,
    s,
    id: ID,
  } = await openSeeded(new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/profiles/hostile.pb.gz'))), { colorScheme: 'dark' }));
});
after(async () => {
  await s?.close();
  await h?.close();
});

async function check(view: string, ready: string): Promise<void> {
  await s.page.goto(`${harness().url}/captures/${ID}/${view}`);
  await s.page.waitForSelector(ready, { timeout: 30_000 });
  await s.page.waitForTimeout(200);
  const r = await s.page.evaluate<{ bad: string[]; inlineScripts: number; imgs: number; pwned: boolean }>(DANGER);
  assert.deepEqual(r, { bad: [], inlineScripts: 0, imgs: 0, pwned: false }, view);
  assert.deepEqual(s.dialogs, [], `${view}: no dialog opened`);
  await screenshot(s.page, `hostile-${view}`);
}

test('Top shows the hostile names as text', async () => {
  await check('top', '#top-table');
  const names = (await rows(s.page, '#top-table tbody tr[data-name]')).map((r) => r.cells[5] ?? '');
  assert.ok(
    names.some((n) => n.startsWith('javascript:alert(document.cookie)')),
    names.join(' | '),
  );
});

test('Flame graph, with a tooltip over a hostile frame', async () => {
  await check('flame', 'canvas[data-painted]');
  await s.page.hover('#flame-canvas', { position: { x: 5, y: 18 * 3 + 9 } });
  await s.page.waitForSelector('.flame-tip:not([hidden])');
  assert.match((await s.page.textContent('.flame-tip')) ?? '', /alert|javascript/);
  await check('flame', 'canvas[data-painted]');
});

test('Graph: escaped DOT, sanitized SVG without links', async () => {
  await check('graph', '#graph-svg[data-rendered]');
  assert.equal(await s.page.locator('#graph-svg a').count(), 0);
  // As pprof labels nodes: the short name one part per line (split at its dots), each part text.
  const parts = await s.page.evaluate<string[]>(`[...document.querySelectorAll('#graph-svg g.node text')].map((t) => t.textContent)`);
  for (const line of nameLines('javascript:alert(document.cookie)'))
    assert.ok(parts.includes(line), `the name's line ${line} is shown as text`);
  await s.page.click('#graph-svg g.node >> nth=1');
  await check('graph', '#graph-svg[data-rendered]');
});

test('Peek, Source lines and Pods', async () => {
  await check('peek', '#peek-table');
  await check('source', '#source-list');
  await check('pods', '#pods-table');
  const pods = (await rows(s.page, '#pods-table tbody tr', 'data-pod')).map((r) => r.key);
  assert.ok(pods.includes('<img src=x onerror=alert(1)>'), pods.join(' | '));
  await s.page.click('#pods-table tbody tr >> nth=0 >> button');
  await s.page.waitForSelector('#top-table');
  assert.deepEqual(s.dialogs, []);
});

test('the search box takes hostile regexes as regexes', async () => {
  await s.page.goto(`${harness().url}/captures/${ID}/flame?q=${encodeURIComponent('<script>alert(1)</script>|javascript:')}`);
  await s.page.waitForSelector('canvas[data-painted]');
  assert.deepEqual(s.dialogs, []);
  assert.deepEqual(s.pageErrors, []);
});
