// While a trace loads: what the worker is doing (downloading, with how much
// of it has come; parsing; summarizing; building the timeline). Once loaded:
// what the trace is.
import type { Progress } from '../analysis/protocol.ts';
import type { TraceInfo } from '../analysis/trace-protocol.ts';
import { h, replace } from '../dom.ts';
import { bytes } from '../format-ui.ts';
import { formatNs } from '../format-time.ts';

const STAGES: Readonly<Record<Progress['stage'], string>> = {
  download: 'Downloading the trace',
  parse: 'Parsing the trace',
  summary: 'Summarizing its goroutines',
  timeline: 'Building the timeline',
};

export function progressBox(title: string): { el: HTMLElement; update: (p: Progress) => void } {
  const bar = h('progress', { max: 1 });
  const text = h('span', {}, title);
  const el = h('div', { class: 'notice info trace-progress', role: 'status', id: 'trace-loading' }, text, ' ', bar);
  const update = (p: Progress): void => {
    const total = p.stage === 'download' ? (p.total ?? 0) : 0;
    if (total > 0) bar.value = (p.loaded ?? 0) / total;
    else bar.removeAttribute('value');
    const done = p.stage === 'download' && p.loaded !== undefined ? ` ${bytes(p.loaded)}` : '';
    replace(text, `${STAGES[p.stage]}…`, done, total > 0 ? ` of ${bytes(total)}` : '');
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
