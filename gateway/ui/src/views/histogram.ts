// A duration histogram as Go's trace pages draw it: a row per log bucket with
// its lower bound (a link to what falls in it), a bar and a count. Bars are
// sized through the CSSOM (the CSP refuses style attributes).
import { bucketMin } from '../analysis/histogram.ts';
import type { Histogram } from '../analysis/trace-protocol.ts';
import { button, h } from '../dom.ts';
import { formatNs } from '../format-time.ts';

function bar(fraction: number): HTMLElement {
  const b = h('span', { class: 'bar' });
  b.style.width = `${(100 * fraction).toFixed(1)}%`;
  return b;
}

/** `open(bucket)` lists what falls in a bucket. */
export function histogramTable(hist: Histogram, open: (bucket: number) => void, selected: number | undefined): HTMLElement {
  if (hist.count === 0) return h('span', { class: 'muted' }, 'none complete');
  const max = Math.max(...hist.counts);
  return h(
    'table',
    { class: 'histogram' },
    h(
      'tbody',
      {},
      ...hist.counts.map((n, i) => {
        const b = hist.first + i;
        const label = `≥ ${formatNs(bucketMin(b))}`;
        return h(
          'tr',
          { 'data-bucket': b, class: b === selected ? 'selected' : undefined },
          h(
            'td',
            { class: 'num' },
            n > 0
              ? button(label, () => open(b), { class: 'link', title: `${formatNs(bucketMin(b))} to ${formatNs(bucketMin(b + 1))}` })
              : label,
          ),
          h('td', { class: 'bar-cell' }, bar(n / max)),
          h('td', { class: 'num' }, String(n)),
        );
      }),
    ),
  );
}
