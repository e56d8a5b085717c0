// What a failed (or partly failed) capture's page says, once: why each pod failed,
// and for a busy profiler (429) when it frees up, counting down, with a Retry
// that starts the same capture again; a failed capture can be dismissed.
import type { CaptureBody, CaptureMeta } from '../../../src/api/types.ts';
import { api } from './api.ts';
import { button, h, notice, replace } from './dom.ts';
import { navigate } from './state.ts';

/** The same capture again: same namespace, target, type and seconds. */
export function sameCapture(c: CaptureMeta): CaptureBody {
  const base = {
    namespace: c.namespace,
    type: c.type,
    seconds: c.seconds,
    ...(c.flight ? { flight: true } : {}),
    ...(c.debug === 2 ? { debug: 2 as const } : {}),
  };
  const t = c.target;
  if (t.pod !== undefined) return { ...base, pod: t.pod };
  if (t.workload) return { ...base, workload: `${t.workload.kind.toLowerCase()}/${t.workload.name}` };
  return { ...base, selector: t.selector };
}

/** Seconds until `iso`, rounded up, never below 0. */
export function secondsUntil(iso: string, now = Date.now()): number {
  return Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000));
}

/** The pods refused as busy, and the moment the last of them frees up. */
function busyUntil(c: CaptureMeta): { pods: string[]; at: string } | undefined {
  const busy = c.pods.filter((p) => p.code === 'PODPROF_PROFILER_BUSY' && p.retryAt !== undefined);
  if (busy.length === 0) return undefined;
  const at = busy.map((p) => p.retryAt as string).reduce((a, b) => (Date.parse(a) > Date.parse(b) ? a : b));
  return { pods: busy.map((p) => p.pod), at };
}

function retryBox(c: CaptureMeta, busy: { pods: string[]; at: string }): HTMLElement {
  const count = h('span', { id: 'busy-countdown', 'aria-live': 'polite' });
  const status = h('span', {});
  const retry = button(
    'Retry',
    () => {
      replace(status, 'Starting…');
      api.startCapture(sameCapture(c)).then(
        (n) => navigate(`/captures/${encodeURIComponent(n.id)}`),
        (e: Error) => replace(status, notice('error', 'The capture did not start', e.message)),
      );
    },
    { id: 'busy-retry', disabled: true },
  );
  const box = h(
    'div',
    { class: 'busy-retry' },
    `The profiler of ${busy.pods.join(', ')} is busy with another capture. `,
    count,
    ' ',
    retry,
    status,
  );
  // Ticks until the profiler is free, or until the page has moved on (the box left the document).
  let shown = false;
  const tick = (): void => {
    shown ||= box.isConnected;
    if (shown && !box.isConnected) return;
    const left = secondsUntil(busy.at);
    replace(count, left > 0 ? `It frees up in ${left} s.` : 'It is free now.');
    retry.disabled = left > 0;
    if (left > 0) window.setTimeout(tick, 250);
  };
  tick();
  return box;
}

/** The failure notice of a failed or partial capture (null when nothing failed). */
export function failureNotice(c: CaptureMeta): HTMLElement | null {
  if (c.status !== 'failed' && c.status !== 'partial') return null;
  const failed = c.pods.filter((p) => p.status === 'failed' || p.status === 'forbidden');
  // One pod: its own words once (the pod list would repeat them); several: the list below says each.
  let why = c.error ?? '';
  if (c.pods.length === 1 && failed[0]?.error) why = `${failed[0].pod}: ${failed[0].error}`;
  else if (failed.length > 1) why = `${failed.length} of ${c.pods.length} pods failed; each says why below.`;
  const busy = busyUntil(c);
  const dismiss =
    c.status === 'failed'
      ? button(
          'Dismiss',
          () => {
            api.deleteCapture(c.id).then(
              () => navigate('/captures'),
              (e: Error) => replace(el, notice('error', 'Could not dismiss it', e.message)),
            );
          },
          { id: 'dismiss-capture', title: 'delete this failed capture: it holds nothing' },
        )
      : null;
  const el = notice('error', c.status === 'failed' ? 'The capture failed' : 'Some pods failed', why);
  el.id = 'capture-failure';
  if (busy) el.append(retryBox(c, busy));
  if (dismiss) el.append(dismiss);
  return el;
}
