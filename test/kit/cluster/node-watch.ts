// The kubelet's view of its node's pods: list, then watch from that list's
// resourceVersion; on a closed stream or an ERROR event (e.g. 410 Gone), list
// again. Keeps going across API server restarts until `signal` aborts.
import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import { sleep } from './http.ts';
import type { KubeRest, WatchEvent } from './kube-rest.ts';

export interface NodeWatchOptions {
  rest: KubeRest;
  nodeName: string;
  signal: AbortSignal;
  /** Before each list request: a marker for onList (see ProcessKubelet.reconcile). */
  beforeList: () => number;
  onList: (items: V1Pod[], marker: number) => void;
  onEvent: (type: WatchEvent<V1Pod>['type'], pod: V1Pod) => void;
  warn: (msg: string) => void;
}

/** Resolves once the first list is handled (the watch keeps running); rejects if that first list fails. */
export function watchNodePods(o: NodeWatchOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    loop(o, resolve, reject).catch((err: unknown) => o.warn(String(err)));
  });
}

async function loop(o: NodeWatchOptions, onFirstList: () => void, onFirstError: (err: unknown) => void): Promise<void> {
  const selector = encodeURIComponent(`spec.nodeName=${o.nodeName}`);
  let first = true;
  while (!o.signal.aborted) {
    try {
      const marker = o.beforeList();
      const list = await o.rest.get<V1PodList>(`/api/v1/pods?fieldSelector=${selector}`);
      o.onList(list.items, marker);
      if (first) onFirstList();
      first = false;
      const stream = new AbortController();
      await o.rest.watch<V1Pod>(
        `/api/v1/pods?watch=1&fieldSelector=${selector}&resourceVersion=${list.metadata?.resourceVersion ?? ''}`,
        (ev) => (ev.type === 'ERROR' ? stream.abort() : o.onEvent(ev.type, ev.object)),
        AbortSignal.any([o.signal, stream.signal]),
      );
    } catch (err) {
      if (first) return onFirstError(err);
      if (!o.signal.aborted) o.warn(`watch of node ${o.nodeName}'s pods: ${String(err)}; retrying`);
      await sleep(500);
    }
  }
}
