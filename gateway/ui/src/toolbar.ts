// The controls above a view: sample type (si), granularity (g), the search /
// refine box (q → f, i, h, s, sf), active filters with a remove button, the
// diff base, and pprof's legend lines.
import { targetName } from '../../../src/api/describe.ts';
import { GRANULARITIES } from '../../../src/analysis/granularity.ts';
import { api } from './api.ts';
import { button, h } from './dom.ts';
import { ago } from './format-ui.ts';
import type { Param, ViewName } from './state.ts';
import type { ViewContext } from './view-context.ts';

const REFINE: readonly [Param, string, string][] = [
  ['f', 'Focus', 'keep only stacks through a match'],
  ['i', 'Ignore', 'drop stacks through a match'],
  ['h', 'Hide', 'drop matching frames from stacks'],
  ['s', 'Show', 'keep only matching frames'],
  ['sf', 'Show from', 'drop frames above the first match'],
];
const FILTER_NAMES: Readonly<Partial<Record<Param, string>>> = {
  f: 'focus',
  i: 'ignore',
  h: 'hide',
  s: 'show',
  sf: 'show from',
  tagfocus: 'tagfocus',
  tagignore: 'tagignore',
  pivot: 'pivot',
  base: 'diff base',
};

function sampleSelect(ctx: ViewContext): HTMLElement {
  const sel = h(
    'select',
    { id: 'si', 'aria-label': 'Sample type' },
    ...ctx.summary.sampleTypes.map((t, i) =>
      h('option', { value: t.type, selected: i === ctx.summary.valueIndex }, `${t.type} (${t.unit})`),
    ),
  );
  sel.addEventListener('change', () => ctx.set({ si: sel.value }));
  return h('label', {}, 'Sample ', sel);
}

function granularitySelect(ctx: ViewContext): HTMLElement {
  const sel = h(
    'select',
    { id: 'g', 'aria-label': 'Granularity' },
    ...GRANULARITIES.map((g) => h('option', { value: g, selected: g === ctx.summary.granularity }, g)),
  );
  sel.addEventListener('change', () => ctx.set({ g: sel.value === 'functions' ? undefined : sel.value }));
  return h('label', {}, 'Granularity ', sel);
}

function refine(ctx: ViewContext, view: ViewName): HTMLElement {
  const q = h('input', {
    id: 'q',
    type: 'search',
    value: ctx.params.q ?? '',
    placeholder: 'regex (RE2), e.g. ^main\\. or json',
    'aria-label': 'Search regex',
    size: 30,
  });
  const go = (): void => ctx.set({ q: q.value || undefined });
  q.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') go();
  });
  const buttons = REFINE.map(([p, label, title]) =>
    button(label, () => ctx.set({ [p]: q.value || undefined, q: undefined }), { title, 'data-refine': p }),
  );
  return h(
    'div',
    { class: 'refine', role: 'group', 'aria-label': 'Search and refine' },
    q,
    button('Search', go),
    h('span', { class: 'sep' }),
    ...buttons,
    button('Peek', () => ctx.set({ q: q.value || undefined }, 'peek'), { title: 'callers and callees of matches' }),
    view === 'peek' ? null : null,
  );
}

function chips(ctx: ViewContext): HTMLElement | null {
  const active = (Object.keys(FILTER_NAMES) as Param[]).filter((p) => ctx.params[p] !== undefined);
  if (active.length === 0) return null;
  return h(
    'div',
    { class: 'chips', 'aria-label': 'Active filters' },
    ...active.map((p) =>
      h(
        'span',
        { class: 'chip', 'data-param': p },
        `${FILTER_NAMES[p] ?? p}=`,
        h('code', {}, ctx.params[p] ?? ''),
        button('×', () => ctx.set(cleared(p)), { 'aria-label': `remove ${FILTER_NAMES[p] ?? p}` }),
      ),
    ),
    active.length > 1 ? button('Clear all', () => ctx.set(Object.fromEntries(active.map((p) => [p, undefined])))) : null,
  );
}

/** A select of the other finished captures of this capture's type (the diff's base, the side by side's other), newest first. */
function captureSelect(ctx: ViewContext, param: 'base' | 'with', label: string, none: string): HTMLSelectElement {
  const chosen = ctx.params[param];
  const sel = h('select', { id: param, 'aria-label': label }, h('option', { value: '' }, chosen ? `${param} ${chosen}` : none));
  void api.captures().then((r) => {
    const options = r.items.filter(
      (c) => c.id !== ctx.capture.id && c.type === ctx.capture.type && (c.status === 'done' || c.status === 'partial'),
    );
    sel.replaceChildren(
      h('option', { value: '' }, none),
      ...options.map((c) =>
        h('option', { value: c.id, selected: c.id === chosen }, `${targetName(c.target)} · ${ago(c.createdAt)} · ${c.id}`),
      ),
    );
  });
  sel.addEventListener('change', () => ctx.set({ [param]: sel.value || undefined }));
  return sel;
}

function sideSelect(ctx: ViewContext): HTMLElement {
  return h(
    'label',
    { title: 'show this capture and another of the same type side by side, zoomed and searched together' },
    'Side by side with ',
    captureSelect(ctx, 'with', 'Side by side with', 'choose a capture'),
  );
}

function diffSelect(ctx: ViewContext): HTMLElement {
  const sel = captureSelect(ctx, 'base', 'Diff base', 'no diff');
  const norm = h('input', { type: 'checkbox', id: 'normalize', checked: ctx.params.normalize === '1' });
  norm.addEventListener('change', () => ctx.set({ normalize: norm.checked ? '1' : undefined }));
  return h(
    'label',
    { title: 'show this capture minus a base capture of the same type (go tool pprof -diff_base)' },
    'Diff against ',
    sel,
    ' ',
    h('label', {}, norm, ' normalize'),
  );
}

/** The parameters a chip's × clears: the filter, and what only means something with it. */
function cleared(p: string): Record<string, undefined> {
  if (p === 'pivot') return { pivot: undefined, callers: undefined };
  if (p === 'base') return { base: undefined, normalize: undefined };
  return { [p]: undefined };
}

export function toolbar(ctx: ViewContext, view: ViewName): HTMLElement {
  return h(
    'div',
    { class: 'toolbar' },
    h('div', { class: 'row' }, sampleSelect(ctx), granularitySelect(ctx), view === 'side' ? sideSelect(ctx) : diffSelect(ctx)),
    refine(ctx, view),
    chips(ctx),
  );
}

export function legend(lines: readonly string[]): HTMLElement {
  return h(
    'details',
    { class: 'legend' },
    h('summary', {}, lines.find((l) => l.startsWith('Showing')) ?? 'Legend'),
    h('pre', {}, lines.join('\n')),
  );
}
