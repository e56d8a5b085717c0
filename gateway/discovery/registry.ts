// The targets the gateway knows, by namespace/name. Discovery writes; routes read.
import { routable, type Target } from '../pods/targets.ts';

export interface TargetQuery {
  namespace?: string;
  /** A Kubernetes equality-based label selector: "app=web,tier!=cache". */
  selector?: string;
  workload?: { kind: string; name: string };
  routableOnly?: boolean;
}

type Matcher = (labels: Readonly<Record<string, string>>) => boolean;

/** Equality-based selectors (`k=v`, `k==v`, `k!=v`, `k`, `!k`); set-based ones are refused. */
export function parseSelector(raw: string): Matcher {
  const terms = raw
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const checks = terms.map((t): Matcher => {
    const m = /^(!?)([A-Za-z0-9._/-]+)(?:\s*(==|=|!=)\s*([A-Za-z0-9._-]*))?$/.exec(t);
    if (!m) throw new Error(`unsupported label selector term "${t.slice(0, 60)}": use k=v, k!=v, k or !k`);
    const [, not, key = '', op, value = ''] = m;
    if (op === undefined) return (l) => (not === '!') !== key in l;
    if (not === '!') throw new Error(`unsupported label selector term "${t.slice(0, 60)}"`);
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  });
  return (labels) => checks.every((c) => c(labels));
}

/** Code-unit order, as the API server lists names. */
function byName(x: string, y: string): number {
  if (x === y) return 0;
  return x < y ? -1 : 1;
}

export class TargetRegistry {
  private readonly byKey = new Map<string, Target>();
  readonly missed = new Map<string, { namespace: string; name: string }>();
  synced = false;
  /** Bumped on every change: answers derived from the targets can be cached against it. */
  version = 0;

  static key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  upsert(t: Target): void {
    this.byKey.set(TargetRegistry.key(t.namespace, t.name), t);
    this.version++;
  }

  remove(namespace: string, name: string): void {
    if (this.byKey.delete(TargetRegistry.key(namespace, name))) this.version++;
  }

  replaceAll(targets: readonly Target[]): void {
    this.byKey.clear();
    for (const t of targets) this.upsert(t);
    this.version++;
  }

  get(namespace: string, name: string): Target | undefined {
    return this.byKey.get(TargetRegistry.key(namespace, name));
  }

  get size(): number {
    return this.byKey.size;
  }

  list(q: TargetQuery = {}): Target[] {
    const match = q.selector ? parseSelector(q.selector) : undefined;
    const out: Target[] = [];
    for (const t of this.byKey.values()) {
      if (q.namespace && t.namespace !== q.namespace) continue;
      if (q.workload && (t.workload?.kind.toLowerCase() !== q.workload.kind.toLowerCase() || t.workload.name !== q.workload.name)) continue;
      if (match && !match(t.labels)) continue;
      if (q.routableOnly && !routable(t)) continue;
      out.push(t);
    }
    return out.sort((a, b) => byName(a.namespace, b.namespace) || byName(a.name, b.name));
  }
}
