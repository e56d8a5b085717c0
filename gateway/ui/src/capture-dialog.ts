// The capture dialog: profile type, seconds, one pod or the whole workload.
// Starts an async capture and opens its page, which shows the progress.
import type { PodView } from '../../../src/api/types.ts';
import { api } from './api.ts';
import { h, notice, replace } from './dom.ts';
import { navigate } from './state.ts';

const TYPES: readonly [string, string][] = [
  ['profile', 'CPU (profile)'],
  ['heap', 'heap'],
  ['allocs', 'allocs'],
  ['goroutine', 'goroutine'],
  ['block', 'block'],
  ['mutex', 'mutex'],
  ['threadcreate', 'threadcreate'],
  ['trace', 'execution trace'],
];

export interface DialogTarget {
  readonly namespace: string;
  readonly pod?: string;
  readonly workload?: { readonly kind: string; readonly name: string };
  readonly pods: readonly PodView[];
}

export function captureDialog(t: DialogTarget): HTMLDialogElement {
  const type = h('select', { id: 'cap-type', name: 'type' }, ...TYPES.map(([v, l]) => h('option', { value: v }, l)));
  const seconds = h('input', { id: 'cap-seconds', name: 'seconds', type: 'number', min: 1, max: 3600, value: 10 });
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
  const hint = h('p', { class: 'hint' });
  const updateHint = (): void => {
    const v = type.value;
    replace(
      hint,
      v === 'profile' || v === 'trace'
        ? `Records for ${seconds.value} s.`
        : `A snapshot; with seconds, the delta over that many seconds (leave empty for a plain snapshot).`,
      v === 'block' || v === 'mutex' ? ' Empty unless the app calls runtime.SetBlockProfileRate / SetMutexProfileFraction.' : '',
    );
    if (v !== 'profile' && v !== 'trace' && seconds.value === '10') seconds.value = '';
    if ((v === 'profile' || v === 'trace') && seconds.value === '') seconds.value = v === 'trace' ? '1' : '10';
    scopeAll.disabled = !t.workload;
  };
  type.addEventListener('change', updateHint);
  updateHint();
  const dialog = h(
    'dialog',
    { class: 'capture-dialog', 'aria-label': 'New capture' },
    h(
      'form',
      { method: 'dialog' },
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
        h(
          'label',
          {},
          scopeAll,
          ` whole ${t.workload ? `${t.workload.kind.toLowerCase()}/${t.workload.name}` : 'workload'} (${t.pods.length} pods, merged; each sample labelled pod=…; traces: every pod in the same window)`,
        ),
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
    const body = {
      namespace: t.namespace,
      type: type.value,
      seconds: secs,
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
