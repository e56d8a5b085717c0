// Kubernetes discovery: an informer on pods labelled podprof.io/injected=true
// (restarted with backoff on any error; it resumes from the last resourceVersion
// and relists when the API server says 410 Gone), and a second, slower list of
// annotated pods that carry no sidecar. The registry counts as synced once every
// informer has listed its pods, not merely tried to.
import * as k8s from '@kubernetes/client-node';
import { INJECTED_LABEL } from '../../src/annotations.ts';
import type { Pod } from '../../src/k8s/types.ts';
import type { Logger } from '../../src/log.ts';
import { missedInjection, targetOf } from '../pods/targets.ts';
import { TargetRegistry } from './registry.ts';

export interface DiscoveryOptions {
  readonly kc: k8s.KubeConfig;
  readonly namespaces: readonly string[];
  readonly registry: TargetRegistry;
  readonly log: Logger;
  /** How often to look for annotated pods the webhook missed (--uninjected-scan-interval); 0: only at start. */
  readonly missedEveryMs?: number;
  readonly onMissed?: (count: number) => void;
}

const plain = (o: unknown): Pod => JSON.parse(JSON.stringify(o)) as Pod;

/** One log line for a failed API call: the API server's own message (not the whole response), with the HTTP status. */
export function apiReason(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const status = [e.code, e.statusCode].find((v): v is number => typeof v === 'number');
  let message = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '') : String(err);
  if (typeof e.body === 'string') {
    try {
      const m = (JSON.parse(e.body) as { message?: unknown }).message;
      if (typeof m === 'string') message = m;
    } catch {
      // not a Status object: keep the error's first line
    }
  }
  return status === undefined ? message : `HTTP ${status}: ${message}`;
}

function watchOne(opts: DiscoveryOptions, namespace: string | undefined, onListed: () => void): () => void {
  const core = opts.kc.makeApiClient(k8s.CoreV1Api);
  const labelSelector = `${INJECTED_LABEL}=true`;
  const path = namespace === undefined ? '/api/v1/pods' : `/api/v1/namespaces/${namespace}/pods`;
  let backoff = 500;
  const list = async (): Promise<k8s.V1PodList> => {
    const pods = await (namespace === undefined
      ? core.listPodForAllNamespaces({ labelSelector })
      : core.listNamespacedPod({ namespace, labelSelector }));
    // The informer applies these items in the continuation of this promise, before any I/O callback can run.
    onListed();
    // A successful list is health: the next failure starts the backoff afresh.
    backoff = 500;
    opts.log.info({ namespace: namespace ?? 'all', pods: pods.items.length }, 'pod informer listed pods');
    return pods;
  };
  const informer = k8s.makeInformer(opts.kc, path, list, labelSelector);
  const apply = (obj: k8s.V1Pod): void => {
    const t = targetOf(plain(obj));
    if (t) opts.registry.upsert(t);
  };
  informer.on('add', apply);
  informer.on('update', apply);
  informer.on('delete', (obj) => opts.registry.remove(obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''));
  // 'connect' fires before the list and the watch are even tried: not a sign of health.
  informer.on('connect', () => opts.log.debug({ namespace: namespace ?? 'all' }, 'pod informer starting'));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  informer.on('error', (err: unknown) => {
    if (stopped) return;
    opts.log.warn({ err: apiReason(err), retryMs: backoff }, 'pod informer stopped; restarting');
    timer = setTimeout(() => void informer.start().catch(() => undefined), backoff);
    backoff = Math.min(backoff * 2, 30_000);
  });
  for (const event of ['add', 'update', 'delete'] as const) informer.on(event, () => (backoff = 500));
  void informer.start().catch(() => undefined);
  return () => {
    stopped = true;
    clearTimeout(timer);
    void informer.stop();
  };
}

/** Pods are listed in pages of this many: a scan never holds the whole cluster's pods at once. */
const PAGE = 500;

/**
 * Annotated pods without the sidecar, in --namespaces (or all), page by page.
 * Pods carry no label for the opt-in annotation, so this is a list of the pods
 * without the injected label; it runs at start and every --uninjected-scan-interval.
 */
export async function findMissed(
  core: k8s.CoreV1Api,
  namespaces: readonly string[],
  pageSize = PAGE,
): Promise<Map<string, { namespace: string; name: string }>> {
  const labelSelector = `!${INJECTED_LABEL}`;
  const found = new Map<string, { namespace: string; name: string }>();
  for (const namespace of namespaces.length > 0 ? namespaces : [undefined]) {
    let _continue: string | undefined;
    do {
      const page =
        namespace === undefined
          ? await core.listPodForAllNamespaces({ labelSelector, limit: pageSize, _continue })
          : await core.listNamespacedPod({ namespace, labelSelector, limit: pageSize, _continue });
      for (const p of page.items.map(plain).filter(missedInjection)) {
        const id = { namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '' };
        found.set(TargetRegistry.key(id.namespace, id.name), id);
      }
      _continue = page.metadata?._continue || undefined;
    } while (_continue !== undefined);
  }
  return found;
}

function watchMissed(opts: DiscoveryOptions): () => void {
  const core = opts.kc.makeApiClient(k8s.CoreV1Api);
  const scan = async (): Promise<void> => {
    const found = await findMissed(core, opts.namespaces);
    for (const k of opts.registry.missed.keys()) if (!found.has(k)) opts.registry.missed.delete(k);
    for (const [k, v] of found) {
      if (!opts.registry.missed.has(k))
        opts.log.warn({ pod: k }, 'annotated pod was not injected (created while the webhook was down?); recreate it to inject');
      opts.registry.missed.set(k, v);
    }
    opts.onMissed?.(found.size);
  };
  const run = (): void => void scan().catch((err: unknown) => opts.log.warn({ err: apiReason(err) }, 'scan for uninjected pods failed'));
  run();
  const every = opts.missedEveryMs ?? 300_000;
  if (every === 0) return () => undefined;
  const timer = setInterval(run, every);
  timer.unref();
  return () => clearInterval(timer);
}

export function startKubernetesDiscovery(opts: DiscoveryOptions): () => void {
  const scopes = opts.namespaces.length > 0 ? opts.namespaces : [undefined];
  const unlisted = new Set(scopes);
  const stops = scopes.map((ns) =>
    watchOne(opts, ns, () => {
      unlisted.delete(ns);
      if (unlisted.size === 0) opts.registry.synced = true;
    }),
  );
  stops.push(watchMissed(opts));
  return () => stops.forEach((s) => s());
}
