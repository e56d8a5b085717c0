// The views as a Go developer reads them, on a profile whose functions carry real module paths
// (github.com/acme/svcN/internal/pkgN.(*TypeN).MethodN) and a pprof.Do label besides pod:
// flame boxes show pprof's short names, never the module path; a zoomed frame survives a search
// and a reload and goes when a filter makes another tree; the call graph fits the window with
// every label inside its node, hot edges coloured, search matches marked; any label key breaks
// the profile down with bars that are shares of the whole; the sorted Top column shows its arrow.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { percentage } from '../../src/analysis/format.ts';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import type { ProfileModel } from '../../src/analysis/model.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { exactNameRegex } from '../../src/analysis/regex.ts';
import { shortNameList } from '../../src/analysis/short-names.ts';
import { top } from '../../src/analysis/top.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { rows, screenshot, until } from '../kit/browser/browser.ts';
import { openSeeded, type SeededUi } from '../kit/browser/seeded-capture.ts';
import { syntheticProfile } from '../kit/browser/synthetic-profile.ts';

const ENDPOINTS = ['/api/orders', '/api/users', '/api/users', '/healthz'];
const bytes = syntheticProfile({ functions: 3000, locations: 8000, stacks: 6000, samples: 30_000, labels: { endpoint: ENDPOINTS } });
let ui: SeededUi;
let model: ProfileModel;
const url = (path: string): string => `${ui.h.url}/captures/${ui.id}/${path}`;

before(async () => {
  model = fromPprof(await decodeProfile(bytes, nodeGunzip()));
  ui = await openSeeded(bytes);
  // What the flame graph draws is canvas text: record every string it paints.
  await ui.s.page.addInitScript(`{
    const fill = CanvasRenderingContext2D.prototype.fillText;
    window.__drawn = [];
    CanvasRenderingContext2D.prototype.fillText = function (t, ...rest) { window.__drawn.push(String(t)); return fill.call(this, t, ...rest); };
  }`);
});
after(async () => {
  await ui?.s.close();
  await ui?.h.close();
});

const drawn = (): Promise<string[]> => ui.s.page.evaluate<string[]>('window.__drawn');
const panelText = async (): Promise<string> => (await ui.s.page.textContent('.flame-panel .selected-frame')) ?? '';

test('flame boxes show pprof short names, the longest that fits, never the module path', async () => {
  const page = ui.s.page;
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(url('flame'));
  await page.waitForSelector('canvas[data-painted]');
  const labels = (await drawn()).filter((t) => t !== 'root');
  assert.ok(labels.length > 20, `${labels.length} labels drawn`);
  assert.deepEqual(
    labels.filter((t) => t.includes('github.com') || t.includes('/')),
    [],
    'no label carries a package path',
  );
  const forms = new Set(allShortForms());
  const strange = labels.filter((t) => !forms.has(t) && !t.endsWith('…'));
  assert.deepEqual(strange, [], 'each label is one of pprof’s short forms of a name, or the shortest one cut');
  // Zoomed, a frame spans the width: its label keeps the package, pkgN.(*TypeN).MethodN.
  await page.evaluate('window.__drawn.length = 0');
  await page.click('#flame-canvas', { position: { x: 5, y: 18 + 9 } });
  const full = (await panelText()).split(' · ')[0] ?? '';
  await until(ui.s.page, `window.__drawn.length > 0`);
  const wide = shortNameList(full)[0] ?? '';
  assert.match(wide, /^pkg\d+\.\(\*Type\d+\)\.Method\d+$/);
  assert.ok((await drawn()).includes(wide), `the zoomed frame reads ${wide}`);
  await screenshot(page, 'flame-short-names');
});

function allShortForms(): string[] {
  const names = new Set<string>();
  for (const n of top(prepare(model), { nf: 0 }).rows) names.add(n.name);
  return [...names].flatMap((n) => shortNameList(n));
}

test('a zoomed frame survives a search and a reload, and goes when a filter makes another tree', async () => {
  const page = ui.s.page;
  await page.goto(url('flame'));
  await page.waitForSelector('canvas[data-painted]');
  await page.click('#flame-canvas', { position: { x: 5, y: 18 + 9 } });
  await page.waitForURL(/[?&]zoom=\d+/);
  const zoomed = await panelText();
  assert.match(zoomed, /^github\.com\/acme\//, 'the panel names the frame in full');
  await page.fill('#q', 'Method1');
  await page.press('#q', 'Enter');
  await page.waitForURL(/[?&]q=Method1/);
  await until(
    ui.s.page,
    `document.querySelector('canvas[data-painted]') && document.querySelector('.flame > p')?.textContent.includes('search matches')`,
  );
  assert.match(page.url(), /[?&]zoom=\d+/);
  assert.equal(await panelText(), zoomed, 'the search kept the zoom');
  await page.reload();
  await page.waitForSelector('canvas[data-painted]');
  assert.equal(await panelText(), zoomed, 'a reload kept the zoom');
  await page.click('[data-refine="f"]');
  await page.waitForURL(/[?&]f=Method1/);
  await page.waitForSelector('canvas[data-painted]');
  assert.doesNotMatch(page.url(), /zoom=/, 'a focus filter drops the zoom: it would name another frame');
});

test('the call graph fits the window, keeps every label in its node, colours hot edges and marks the search', async () => {
  const page = ui.s.page;
  await page.goto(url('graph?q=Method1'));
  await page.waitForSelector('#graph-svg[data-rendered]', { timeout: 60_000 });
  const g = await page.evaluate<{
    fits: boolean;
    spills: string[];
    pathLabels: number;
    edges: [string, number][];
    marked: number;
    legendInside: boolean;
  }>(`(() => {
    const box = document.querySelector('#graph-svg');
    const svg = box.querySelector('svg');
    const b = box.getBoundingClientRect(), s = svg.getBoundingClientRect();
    const spills = [];
    let pathLabels = 0;
    for (const node of svg.querySelectorAll('g.node')) {
      const shape = node.querySelector('polygon');
      if (!shape || shape.getAttribute('stroke') === 'transparent') continue;
      const p = shape.getBoundingClientRect();
      for (const t of node.querySelectorAll('text')) {
        if (t.textContent.includes('github.com')) pathLabels++;
        const r = t.getBoundingClientRect();
        if (r.left < p.left - 1 || r.right > p.right + 1) spills.push(t.textContent);
      }
    }
    const legend = [...svg.querySelectorAll('g.node')].find((n) => n.querySelector('title')?.textContent === 'legend');
    const l = legend.getBoundingClientRect();
    return {
      fits: s.width <= b.width && s.height <= b.height,
      spills,
      pathLabels,
      edges: [...svg.querySelectorAll('g.edge path')].map((p) => [p.getAttribute('stroke'), Number(p.getAttribute('stroke-width') ?? 1)]),
      marked: svg.querySelectorAll('g.node polygon[stroke="#e060e0"]').length,
      legendInside: l.left >= b.left - 1 && l.right <= b.right + 1,
    };
  })()`);
  assert.ok(g.fits, 'the whole graph is in the window');
  assert.ok(g.legendInside, 'the legend is whole');
  assert.deepEqual(g.spills, [], 'no label spills out of its node');
  assert.equal(g.pathLabels, 0, 'nodes show short names');
  // pprof's colours: the heavier an edge (drawn wider), the redder; none is the old flat grey.
  const redness = (c: string): number => {
    const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(c);
    assert.ok(m, `edge colour ${c}`);
    return parseInt(m[1]!, 16) - parseInt(m[3]!, 16);
  };
  assert.ok(g.edges.length > 1 && g.edges.every(([c]) => c !== '#888888'));
  for (const [ca, wa] of g.edges)
    for (const [cb, wb] of g.edges)
      if (wa > wb) assert.ok(redness(ca) >= redness(cb), `${ca} (width ${wa}) is as red as ${cb} (width ${wb})`);
  assert.ok(new Set(g.edges.map(([c]) => c)).size > 1, 'edges differ in colour by weight');
  const shown = Number(/^(\d+) nodes match/.exec((await page.textContent('.graph-matches')) ?? '')?.[1]);
  const nodes = await page.locator('#graph-svg g.node').count();
  assert.ok(shown > 0 && shown < nodes, `${shown} of ${nodes} nodes match`);
  assert.equal(g.marked, shown, 'every matching node is marked');
  await screenshot(page, 'graph-fitted');
});

test('any label key breaks the profile down, bars are shares of the whole, and a value focuses the views', async () => {
  const page = ui.s.page;
  await page.goto(url('top'));
  await page.waitForSelector('#top-table');
  assert.equal(await page.textContent('a[data-view="pods"]'), 'Labels');
  await page.click('a[data-view="pods"]');
  await page.waitForSelector('#pods-table[data-key="pod"]');
  await page.selectOption('#label-key', 'endpoint');
  await page.waitForURL(/[?&]label=endpoint/);
  await page.waitForSelector('#pods-table[data-key="endpoint"]');
  const p = prepare(model);
  const totals = new Map<string, number>();
  for (const smp of model.samples)
    for (const v of smp.labels.get('endpoint') ?? []) totals.set(v, (totals.get(v) ?? 0) + (smp.values[p.valueIndex] ?? 0));
  const want = [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([v, n]) => ({ v, pct: percentage(n, p.total) }));
  assert.equal(want.length, 3);
  const got = (await rows(page, '#pods-table tbody tr', 'data-pod')).map((r) => ({ v: r.key, pct: r.cells[2] ?? '' }));
  assert.deepEqual(got, want);
  const widths = await page.evaluate<number[]>(`[...document.querySelectorAll('#pods-table .bar')].map((b) => parseFloat(b.style.width))`);
  assert.ok(Math.abs(widths.reduce((a, b) => a + b, 0) - 100) < 0.5, `bars add up to the whole: ${widths.join(' + ')}`);
  await screenshot(page, 'labels-breakdown');
  await page.click(`#pods-table tr[data-pod="${want[0]!.v}"] button`);
  await page.waitForURL(/tagfocus=endpoint/);
  await page.waitForSelector('#top-table tbody tr[data-name]');
  const focused = top(prepare(model, { tagfocus: `endpoint=${exactNameRegex(want[0]!.v)}` }))
    .rows.slice(0, 5)
    .map((r) => r.name);
  await until(ui.s.page, `document.querySelector('#top-table tbody tr[data-name]')?.dataset.name === ${JSON.stringify(focused[0])}`);
  assert.deepEqual(
    (await rows(page, '#top-table tbody tr[data-name]')).slice(0, 5).map((r) => r.key),
    focused,
  );
});

test('the sorted Top column shows its arrow', async () => {
  const page = ui.s.page;
  await page.goto(url('top'));
  await page.waitForSelector('#top-table tbody tr[data-name]');
  const heads = (): Promise<string[]> =>
    page.evaluate<string[]>(`[...document.querySelectorAll('#top-table th button.sort')].map((b) => b.textContent)`);
  assert.deepEqual(await heads(), ['flat ▼', 'cum', 'name']);
  await page.click('#top-table th button:text("cum")');
  await page.waitForURL(/sort=cum/);
  await until(ui.s.page, `[...document.querySelectorAll('#top-table th button.sort')].some((b) => b.textContent === 'cum ▼')`);
  assert.deepEqual(await heads(), ['flat', 'cum ▼', 'name']);
});

test('nothing went wrong in the page', () => {
  assert.deepEqual(ui.s.pageErrors, []);
  assert.deepEqual(
    ui.s.consoleErrors.filter((e) => !/status of 401/.test(e)),
    [],
  );
});
