// `podprof explain FILE.yaml | NAMESPACE/POD`: would podprof inject this pod,
// and why — from the same rules the webhook runs.
import { readFile } from 'node:fs/promises';
import { flag, helpText, parseFlags } from '../src/config/flags.ts';
import { bool, str } from '../src/config/values.ts';
import type { Pod } from '../src/k8s/types.ts';
import { A, NAMESPACE_OPT_IN_LABEL } from '../src/annotations.ts';
import { VERSION } from '../src/version.ts';
import { decide } from './review.ts';
import { applyPatch, type JsonPatch } from './patch.ts';
import type { InjectSettings } from './settings.ts';

const FLAGS = {
  'namespace-opt-in': flag(bool, `treat the pod's namespace as labelled ${NAMESPACE_OPT_IN_LABEL}=enabled (FILE mode; NAMESPACE/POD reads the label)`, { default: false }),
  'sidecar-image': flag(str, 'sidecar image shown in the injected pod', { default: 'ghcr.io/podprof/podprof-sidecar:0.1.0' }),
  'native-sidecars': flag(bool, 'as the webhook flag', { default: true }),
  namespace: flag(str, "the webhook's own namespace", { default: 'podprof-system' }),
  output: flag(str, 'text, or yaml to print the injected pod', { default: 'text' }),
} as const;

interface Workload {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: { template?: Pod; jobTemplate?: { spec?: { template?: Pod } } };
}

/** The pod a manifest makes: a Pod itself, or the pod template of a workload. */
export function podOf(doc: Workload): Pod | undefined {
  if (doc.kind === 'Pod') return doc as Pod;
  const template = doc.spec?.template ?? doc.spec?.jobTemplate?.spec?.template;
  if (!template) return undefined;
  const metadata = { ...template.metadata, namespace: template.metadata?.namespace ?? doc.metadata?.namespace ?? 'default', generateName: `${doc.metadata?.name ?? 'pod'}-` };
  return { apiVersion: 'v1', kind: 'Pod', ...template, metadata };
}

export interface Explanation {
  title: string;
  verdict: 'inject' | 'skip' | 'deny';
  reason: string;
  injected?: Pod;
}

export function explainPod(title: string, pod: Pod, settings: InjectSettings, namespaceOptIn: boolean): Explanation {
  const d = decide({ uid: 'explain', kind: { kind: 'Pod' }, operation: 'CREATE', namespace: pod.metadata?.namespace ?? 'default', object: pod }, settings, namespaceOptIn);
  const verdict = d.outcome === 'injected' ? 'inject' : d.outcome === 'denied' ? 'deny' : 'skip';
  const injected = d.response.patch === undefined ? undefined : applyPatch(pod, JSON.parse(Buffer.from(d.response.patch, 'base64').toString('utf8')) as JsonPatch);
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
  plain.spec = { ...plain.spec!, containers: plain.spec!.containers.filter((c) => c.name !== 'podprof-sidecar'), initContainers: plain.spec?.initContainers?.filter((c) => c.name !== 'podprof-sidecar') };
  return { pod: plain, namespaceOptIn: ns.metadata?.labels?.[NAMESPACE_OPT_IN_LABEL] === 'enabled', note };
}

type Item = { title: string; pod: Pod; optIn: boolean; note?: string };

async function itemsOf(target: string, namespaceOptIn: boolean): Promise<Item[]> {
  if (/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(target) && !/\.(ya?ml|json)$/i.test(target)) {
    const { pod, namespaceOptIn: optIn, note } = await fromCluster(target);
    return [{ title: `Pod ${target}`, pod, optIn, note }];
  }
  const { loadAllYaml } = await import('@kubernetes/client-node');
  const items: Item[] = [];
  for (const doc of loadAllYaml(await readFile(target, 'utf8')) as Array<Workload | null>) {
    const pod = doc ? podOf(doc) : undefined;
    if (doc && pod) items.push({ title: `${doc.kind ?? 'object'} ${pod.metadata?.namespace ?? 'default'}/${doc.metadata?.name ?? ''}`, pod, optIn: namespaceOptIn });
  }
  if (items.length === 0) throw new Error(`${target}: no Pod or workload with a pod template found`);
  return items;
}

const VERDICT = { inject: 'would inject', deny: 'would be DENIED', skip: 'would not inject' } as const;

export async function runExplain(argv: readonly string[]): Promise<number> {
  const target = argv[0];
  if (target === undefined || target.startsWith('--')) {
    process.stdout.write(helpText('explain FILE.yaml|NAMESPACE/POD', 'Says whether podprof would inject each pod in FILE (Pods and workload templates), or the running pod NAMESPACE/POD, and why.', FLAGS));
    return target === '--help' ? 0 : 2;
  }
  const c = parseFlags(FLAGS, argv.slice(1));
  const settings: InjectSettings = { sidecarImage: c['sidecar-image'], nativeSidecars: c['native-sidecars'], namespace: c.namespace, version: VERSION, jwks: '{"keys":[]}' };
  const { dumpYaml } = await import('@kubernetes/client-node');
  let denied = false;
  for (const item of await itemsOf(target, c['namespace-opt-in'])) {
    const e = explainPod(item.title, item.pod, settings, item.optIn);
    denied ||= e.verdict === 'deny';
    process.stdout.write(`${e.title}: ${VERDICT[e.verdict]} — ${e.reason}\n${item.note ? `  (${item.note})\n` : ''}`);
    if (c.output === 'yaml' && e.injected) process.stdout.write(`${dumpYaml(e.injected)}---\n`);
  }
  return denied ? 1 : 0;
}
