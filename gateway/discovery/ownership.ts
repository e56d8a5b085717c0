// Whether a pod belongs to a workload, from the workload as the API server
// stores it (pure): the workload's selector selects the pod's labels, and the
// pod's controller owner is the workload itself, or (Deployments) one of the
// ReplicaSets the Deployment owns — compared by uid. A pod's ownerReferences
// are written by whoever created it, so a name alone proves nothing.
import type { Target } from '../pods/targets.ts';

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: readonly string[] }>;
}

/** A workload and the uids its pods may name as their controller. */
export interface Membership {
  readonly kind: string;
  readonly name: string;
  readonly selector: LabelSelector | undefined;
  readonly ownerUids: ReadonlySet<string>;
}

type Expression = NonNullable<LabelSelector['matchExpressions']>[number];

/** One matchExpression against the labels; an operator Kubernetes does not know selects nothing. */
function matches(e: Expression, labels: Readonly<Record<string, string>>): boolean {
  const has = e.key in labels;
  const inValues = has && (e.values ?? []).includes(labels[e.key]!);
  switch (e.operator) {
    case 'In':
      return inValues;
    case 'NotIn':
      return !inValues;
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

export function selects(sel: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!sel) return false; // a workload always has one; none selects nothing
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  return (sel.matchExpressions ?? []).every((e) => matches(e, labels));
}

/** Why `t` is not one of the workload's pods, or undefined when it is. */
export function notAMember(t: Target, m: Membership): string | undefined {
  const what = `${m.kind.toLowerCase()}/${m.name}`;
  if (!t.owner?.uid || !m.ownerUids.has(t.owner.uid))
    return `not a pod of ${what}: its controller ${t.owner ? `${t.owner.kind}/${t.owner.name} (uid ${t.owner.uid ?? 'none'})` : '(none)'} is not ${what}'s`;
  if (!selects(m.selector, t.labels)) return `not a pod of ${what}: ${what}'s selector does not select its labels`;
  return undefined;
}
