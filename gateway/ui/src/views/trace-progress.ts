// While a trace or a profile loads: what the worker is doing (downloading,
// with how much of it has come; parsing, summarizing, building the timeline;
// decoding, analysing), with a Cancel button where the load can be
// cancelled. Once a trace is loaded: what it is.
import type { Progress } from '../analysis/protocol.ts';
import type { TraceInfo } from '../analysis/trace-protocol.ts';
import { button, h, replace } from '../dom.ts';
import { bytes } from '../format-ui.ts';
import { formatNs } from '../format-time.ts';

const STAGES: Readonly<Record<Progress['stage'], string>> = {
  download: 'Downloading the',
  parse: 'Parsing the trace',
  summary: 'Summarizing its goroutines',
  timeline: 'Building the timeline',
  decode: 'Decoding the profile',
  analyse: 'Analysing the profile',
};

export interface ProgressOptions {
  /** What is downloaded ('trace' unless said). */
  readonly noun?: string;
  readonly id?: string;
  /** A Cancel button, calling this. */
  readonly cancel?: () => void;
}

export function progressBox(title: string, o: ProgressOptions = {}): { el: HTMLElement; update: (p: Progress) => void } {
  const bar = h('progress', { max: 1 });
  const text = h('span', {}, title);
  const stop = o.cancel ? button('Cancel', o.cancel, { class: 'cancel-load' }) : '';
  const el = h('div', { class: 'notice info trace-progress', role: 'status', id: o.id ?? 'trace-loading' }, text, ' ', bar, ' ', stop);
  const update = (p: Progress): void => {
    const total = p.stage === 'download' ? (p.total ?? 0) : 0;
    if (total > 0) bar.value = (p.loaded ?? 0) / total;
    else bar.removeAttribute('value');
    const done = p.stage === 'download' && p.loaded !== undefined ? ` ${bytes(p.loaded)}` : '';
    const label = p.stage === 'download' ? `${STAGES.download} ${o.noun ?? 'trace'}` : STAGES[p.stage];
    replace(text, `${label}…`, done, total > 0 ? ` of ${bytes(total)}` : '');
    el.dataset.stage = p.stage;
  };
  return { el, update };
}

export function traceSummary(info: TraceInfo, pod: string | undefined): HTMLElement {
  return h(
    'p',
    { class: 'muted trace-summary', id: 'trace-summary' },
    pod === undefined ? '' : `Pod ${pod}: `,
    `a Go 1.${info.version} trace of ${formatNs(info.durationNs)}, ${info.events.toLocaleString('en')} events, `,
    `${info.goroutines.toLocaleString('en')} goroutines, ${bytes(info.bytes)}.`,
  );
}
