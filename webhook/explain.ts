// What `podprof explain` reports: would podprof inject this pod, and why —
// from the same rules the webhook runs (cli/explain.ts prints it).
import { readFile } from 'node:fs/promises';
import type { Pod } from '../src/k8s/types.ts';
import { A, NAMESPACE_OPT_IN_LABEL } from '../src/annotations.ts';
import { decideAdmission } from './review.ts';
import { applyPatch, type JsonPatch } from './patch.ts';
import type { InjectSettings } from './settings.ts';

interface Workload {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: { template?: Pod; jobTemplate?: { spec?: { template?: Pod } } };
}

/** The pod a manifest makes: a Pod itself, or the pod template of a workload. */
/** What explain says for each outcome of the webhook's decision. */
const VERDICTS = { injected: 'inject', denied: 'deny', skipped: 'skip' } as const;

export function podOf(doc: Workload): Pod | undefined {
  if (doc.kind === 'Pod') return doc as Pod;
  const template = doc.spec?.template ?? doc.spec?.jobTemplate?.spec?.template;
  if (!template) return undefined;
  const metadata = {
    ...template.metadata,
    namespace: template.metadata?.namespace ?? doc.metadata?.namespace ?? 'default',
    generateName: `${doc.metadata?.name ?? 'pod'}-`,
  };
  return { apiVersion: 'v1', kind: 'Pod', ...template, metadata };
}

export interface Explanation {
  title: string;
  verdict: 'inject' | 'skip' | 'deny';
  reason: string;
  injected?: Pod;
}

export function explainPod(title: string, pod: Pod, settings: InjectSettings, namespaceOptIn: boolean): Explanation {
  const d = decideAdmission(
    { uid: 'explain', kind: { kind: 'Pod' }, operation: 'CREATE', namespace: pod.metadata?.namespace ?? 'default', object: pod },
    settings,
    namespaceOptIn,
  );
  const verdict = VERDICTS[d.outcome];
  const injected =
    d.response.patch === undefined
      ? undefined
      : applyPatch(pod, JSON.parse(Buffer.from(d.response.patch, 'base64').toString('utf8')) as JsonPatch);
  return { title, verdict, reason: d.reason, injected };
}

async function fromCluster(ref: string): Promise<{ pod: Pod; namespaceOptIn: boolean; note: string }> {
  const [namespace = '', name = ''] = ref.split('/');
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const [pod, ns] = await Promise.all([core.readNamespacedPod({ namespace, name }), core.readNamespace({ name: namespace })]);
  const plain = JSON.parse(JSON.stringify(pod)) as Pod;
  const status = plain.metadata?.annotations?.[A.status];
  const note = status === undefined ? 'the pod is not injected now' : `the pod is injected now: ${status}`;
  delete plain.metadata?.annotations?.[A.status];
  plain.spec = {
    ...plain.spec!,
    containers: plain.spec!.containers.filter((c) => c.name !== 'podprof-sidecar'),
    initContainers: plain.spec?.initContainers?.filter((c) => c.name !== 'podprof-sidecar'),
  };
  return { pod: plain, namespaceOptIn: ns.metadata?.labels?.[NAMESPACE_OPT_IN_LABEL] === 'enabled', note };
}

export type Item = { title: string; pod: Pod; optIn: boolean; note?: string };

/** The pods to explain: the running pod NAMESPACE/POD, or every Pod and pod template in a YAML file. */
export async function itemsOf(target: string, namespaceOptIn: boolean): Promise<Item[]> {
  if (/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(target) && !/\.(ya?ml|json)$/i.test(target)) {
    const { pod, namespaceOptIn: optIn, note } = await fromCluster(target);
    return [{ title: `Pod ${target}`, pod, optIn, note }];
  }
  const { loadAllYaml } = await import('@kubernetes/client-node');
  const items: Item[] = [];
  for (const doc of loadAllYaml(await readFile(target, 'utf8')) as Array<Workload | null>) {
    const pod = doc ? podOf(doc) : undefined;
    if (doc && pod)
      items.push({
        title: `${doc.kind ?? 'object'} ${pod.metadata?.namespace ?? 'default'}/${doc.metadata?.name ?? ''}`,
        pod,
        optIn: namespaceOptIn,
      });
  }
  if (items.length === 0) throw new Error(`${target}: no Pod or workload with a pod template found`);
  return items;
}
