// The capture dialog: profile type, seconds, one pod or the whole workload.
// Starts an async capture and opens its page, which shows the progress. What it
// offers comes from the pods' own policy (their annotations, as the gateway
// reports them): the types every targeted pod allows, and at most the seconds
// the strictest of them allows, so the server has nothing left to refuse.
import type { PodView } from '../../../src/api/types.ts';
import { api } from './api.ts';
import { h, notice, replace } from './dom.ts';
import { navigate } from './state.ts';

/** Not a type of its own: a goroutine capture of Go's text dump (type goroutine, debug 2). */
const DUMP = 'goroutine-dump';

const TYPES: readonly [string, string][] = [
  ['profile', 'CPU (profile)'],
  ['heap', 'heap'],
  ['allocs', 'allocs'],
  ['goroutine', 'goroutine'],
  [DUMP, 'goroutine dump (debug=2)'],
  ['block', 'block'],
  ['mutex', 'mutex'],
  ['threadcreate', 'threadcreate'],
  ['trace', 'execution trace'],
];

export interface DialogTarget {
  readonly namespace: string;
  readonly pod?: string;
  readonly workload?: { readonly kind: string; readonly name: string };
  /** Every pod of the workload (or the one pod without a workload). */
  readonly pods: readonly PodView[];
}

/** The pods a capture would reach, and what all of them allow. */
function policy(t: DialogTarget, one: boolean): { types: Set<string>; maxSeconds: number; count: number } {
  const pods = one ? t.pods.filter((p) => p.name === t.pod) : t.pods;
  const types = new Set(TYPES.map(([v]) => v));
  for (const p of pods)
    for (const v of [...types]) if (!p.profiles.includes((v === DUMP ? 'goroutine' : v) as PodView['profiles'][number])) types.delete(v);
  const maxSeconds = pods.reduce((m, p) => Math.min(m, p.maxSeconds), 3600);
  return { types, maxSeconds, count: pods.length };
}

/** Timed types start at 10 s (a trace at 1 s), within the limit; snapshots start empty (a plain snapshot). */
function defaultSeconds(type: string, now: string, max: number): string {
  const timed = type === 'profile' || type === 'trace';
  if (!timed && now === '10') return '';
  if (timed && now === '') return String(Math.min(type === 'trace' ? 1 : 10, max));
  return now;
}

function workloadName(t: DialogTarget): string {
  return t.workload ? `${t.workload.kind.toLowerCase()}/${t.workload.name}` : 'workload';
}

/** What the chosen type records, within which limit, and what the pods leave out. */
function hintText(type: string, seconds: string, p: ReturnType<typeof policy>): string[] {
  const limit = p.count === 1 ? `the pod allows up to ${p.maxSeconds} s` : `the strictest of the ${p.count} pods allows ${p.maxSeconds} s`;
  if (type === DUMP)
    return [
      "Every goroutine's state, wait and stack, now (Go's goroutine?debug=2, grouped by state and stack; no seconds). A pod answers one at most every 30 s.",
    ];
  const out = [
    type === 'profile' || type === 'trace'
      ? `Records for ${seconds || '?'} s (${limit}).`
      : `A snapshot; with seconds, the delta over that many seconds (leave empty for a plain snapshot; ${limit}).`,
  ];
  if (type === 'block' || type === 'mutex') out.push(' Empty unless the app calls runtime.SetBlockProfileRate / SetMutexProfileFraction.');
  if (p.types.size < TYPES.length) out.push(" Types the pods' podprof.io/profiles annotation leaves out are greyed.");
  return out;
}

/** The type and its options as the API takes them: a dump is a goroutine capture with debug 2. */
function what(type: string, seconds: number | undefined): { type: string; seconds?: number; debug?: 2 } {
  return type === DUMP ? { type: 'goroutine', debug: 2 } : { type, seconds };
}

export function captureDialog(t: DialogTarget): HTMLDialogElement {
  const type = h('select', { id: 'cap-type', name: 'type' }, ...TYPES.map(([v, l]) => h('option', { value: v }, l)));
  const seconds = h('input', { id: 'cap-seconds', name: 'seconds', type: 'number', min: 1, value: 10 });
  const scopeOne = h('input', {
    type: 'radio',
    name: 'scope',
    value: 'pod',
    id: 'scope-pod',
    checked: t.pod !== undefined,
    disabled: t.pod === undefined,
  });
  const scopeAll = h('input', {
    type: 'radio',
    name: 'scope',
    value: 'workload',
    id: 'scope-workload',
    checked: t.pod === undefined,
    disabled: !t.workload,
  });
  const status = h('div', { 'aria-live': 'polite' });
  const hint = h('p', { class: 'hint', id: 'cap-hint' });
  const workloadLabel = h('span', {});
  const current = (): ReturnType<typeof policy> => policy(t, scopeOne.checked && t.pod !== undefined);
  const update = (): void => {
    const p = current();
    for (const o of type.options) o.disabled = !p.types.has(o.value);
    if (type.selectedOptions[0]?.disabled) type.value = TYPES.find(([v]) => p.types.has(v))?.[0] ?? type.value;
    const v = type.value;
    seconds.value = v === DUMP ? '' : defaultSeconds(v, seconds.value, p.maxSeconds);
    seconds.disabled = v === DUMP;
    seconds.max = String(p.maxSeconds);
    replace(hint, ...hintText(v, seconds.value, p));
    scopeAll.disabled = !t.workload;
    replace(
      workloadLabel,
      ` whole ${workloadName(t)} (${t.pods.length} pod${t.pods.length === 1 ? '' : 's'}, merged; each sample labelled pod=…; traces: every pod in the same window)`,
    );
  };
  type.addEventListener('change', update);
  seconds.addEventListener('input', update);
  scopeOne.addEventListener('change', update);
  scopeAll.addEventListener('change', update);
  update();
  const dialog = h(
    'dialog',
    { class: 'capture-dialog', 'aria-label': 'New capture' },
    h(
      'form',
      { method: 'dialog', novalidate: true },
      h('h2', {}, 'New capture'),
      h('label', { for: 'cap-type' }, 'Type'),
      type,
      h('label', { for: 'cap-seconds' }, 'Seconds'),
      seconds,
      hint,
      h(
        'fieldset',
        {},
        h('legend', {}, 'Target'),
        h('label', {}, scopeOne, ` pod ${t.pod ?? '(pick a pod)'}`),
        h('label', {}, scopeAll, workloadLabel),
      ),
      status,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', value: 'cancel', formnovalidate: true }, 'Cancel'),
        h('button', { type: 'submit', value: 'start', class: 'primary', id: 'cap-start' }, 'Start capture'),
      ),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  const form = dialog.querySelector('form') as HTMLFormElement;
  form.addEventListener('submit', (e) => {
    if ((e.submitter as HTMLButtonElement | null)?.value !== 'start') return;
    e.preventDefault();
    const secs = seconds.value === '' ? undefined : Number(seconds.value);
    const p = current();
    if (secs !== undefined && (!Number.isInteger(secs) || secs < 1 || secs > p.maxSeconds)) {
      replace(
        status,
        notice(
          'error',
          'Seconds out of range',
          `Between 1 and ${p.maxSeconds}: ${p.count === 1 ? 'the pod allows' : 'the strictest pod allows'} no more (podprof.io/max-seconds).`,
        ),
      );
      return;
    }
    const body = {
      namespace: t.namespace,
      ...what(type.value, secs),
      ...(scopeOne.checked && t.pod ? { pod: t.pod } : { workload: `${t.workload?.kind.toLowerCase() ?? ''}/${t.workload?.name ?? ''}` }),
    };
    replace(status, 'Starting…');
    api.startCapture(body).then(
      (c) => {
        dialog.close();
        navigate(`/captures/${encodeURIComponent(c.id)}`);
      },
      (err: Error) => replace(status, notice('error', 'The capture did not start', err.message)),
    );
  });
  queueMicrotask(() => dialog.showModal());
  return dialog;
}
