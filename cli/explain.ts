// `podprof explain FILE.yaml | NAMESPACE/POD`: would podprof inject this pod,
// and why — from the same rules the webhook runs (webhook/explain.ts).
import { flag, helpText, parseFlags } from '../src/config/flags.ts';
import { bool, str } from '../src/config/values.ts';
import { NAMESPACE_OPT_IN_LABEL } from '../src/annotations.ts';
import { VERSION } from '../src/version.ts';
import { explainPod, itemsOf } from '../webhook/explain.ts';
import type { InjectSettings } from '../webhook/settings.ts';

const FLAGS = {
  'namespace-opt-in': flag(
    bool,
    `treat the pod's namespace as labelled ${NAMESPACE_OPT_IN_LABEL}=enabled (FILE mode; NAMESPACE/POD reads the label)`,
    { default: false },
  ),
  'sidecar-image': flag(str, 'sidecar image shown in the injected pod', { default: 'ghcr.io/podprof/podprof-sidecar:0.1.0' }),
  'native-sidecars': flag(bool, 'as the webhook flag', { default: true }),
  namespace: flag(str, "the webhook's own namespace", { default: 'podprof-system' }),
  output: flag(str, 'text, or yaml to print the injected pod', { default: 'text' }),
} as const;

const VERDICT = { inject: 'would inject', deny: 'would be DENIED', skip: 'would not inject' } as const;

export async function runExplain(argv: readonly string[]): Promise<number> {
  const target = argv[0];
  if (target === undefined || target.startsWith('--')) {
    process.stdout.write(
      helpText(
        'explain FILE.yaml|NAMESPACE/POD',
        'Says whether podprof would inject each pod in FILE (Pods and workload templates), or the running pod NAMESPACE/POD, and why.',
        FLAGS,
      ),
    );
    return target === '--help' ? 0 : 2;
  }
  const c = parseFlags(FLAGS, argv.slice(1));
  const settings: InjectSettings = {
    sidecarImage: c['sidecar-image'],
    nativeSidecars: c['native-sidecars'],
    namespace: c.namespace,
    version: VERSION,
    jwks: '{"keys":[]}',
  };
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
