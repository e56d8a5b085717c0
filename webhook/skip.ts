// Why a pod is not injected. Each rule returns a reason or nothing; the first
// reason wins. The reason is logged, counted, returned as an audit annotation
// and shown by `podprof explain`.
import { A, SIDECAR_NAME } from '../src/annotations.ts';
import type { Pod } from '../src/k8s/types.ts';
import { EXCLUDED_NAMESPACES, type InjectSettings } from './settings.ts';

export interface SkipContext {
  readonly pod: Pod;
  readonly namespace: string;
  /** The pod's namespace is labelled podprof.io/inject=enabled. */
  readonly namespaceOptIn: boolean;
  readonly operation: string;
  readonly kind: string;
  readonly settings: InjectSettings;
}

export type SkipRule = (c: SkipContext) => string | undefined;

export const notPodCreate: SkipRule = (c) =>
  c.kind === 'Pod' && c.operation === 'CREATE' ? undefined : `not a pod CREATE (${c.kind} ${c.operation})`;

export const excludedNamespace: SkipRule = (c) =>
  (EXCLUDED_NAMESPACES as readonly string[]).includes(c.namespace) || c.namespace === c.settings.namespace
    ? `namespace ${c.namespace} is excluded`
    : undefined;

export const optedOut: SkipRule = (c) =>
  c.pod.metadata?.annotations?.[A.inject] === 'false' ? `opted out (${A.inject}: "false")` : undefined;

// Any value of the annotation but "false" counts as an attempt to opt in, so a
// typo ("True", "yes") is denied with a message rather than silently ignored.
export const notOptedIn: SkipRule = (c) =>
  c.pod.metadata?.annotations?.[A.inject] !== undefined || c.namespaceOptIn
    ? undefined
    : `not opted in (no ${A.inject}: "true" and the namespace is not labelled ${A.inject}=enabled)`;

export const hostNetwork: SkipRule = (c) =>
  c.pod.spec?.hostNetwork === true ? 'hostNetwork pod: its loopback is the node’s, a sidecar there would expose other pods' : undefined;

export const alreadyInjected: SkipRule = (c) => {
  if (c.pod.metadata?.annotations?.[A.status] !== undefined) return `already injected (${A.status} is set)`;
  const names = [...(c.pod.spec?.containers ?? []), ...(c.pod.spec?.initContainers ?? [])].map((x) => x.name);
  return names.includes(SIDECAR_NAME) ? `already injected (a container is named ${SIDECAR_NAME})` : undefined;
};

/** The rules in order, each with a stable name for metrics. */
export const SKIP_RULES: ReadonlyArray<readonly [string, SkipRule]> = [
  ['not-pod-create', notPodCreate],
  ['excluded-namespace', excludedNamespace],
  ['opted-out', optedOut],
  ['not-opted-in', notOptedIn],
  ['host-network', hostNetwork],
  ['already-injected', alreadyInjected],
];

export function skipReason(c: SkipContext): { rule: string; reason: string } | undefined {
  for (const [rule, check] of SKIP_RULES) {
    const reason = check(c);
    if (reason !== undefined) return { rule, reason };
  }
  return undefined;
}
