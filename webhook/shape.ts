// The API server never sends a malformed pod, but the webhook must answer
// anything clearly: a pod whose fields have the wrong JSON types is denied
// (webhook/review.ts) with a message naming the field, before any rule touches it.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown, at: string): string | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string')) return `${at}: want a map of strings`;
  return undefined;
}

function containerProblem(c: unknown, at: string): string | undefined {
  if (!isObject(c)) return `${at}: want an object`;
  if (typeof c.name !== 'string' || c.name === '') return `${at}.name: want a non-empty string`;
  for (const list of ['ports', 'env', 'args', 'command'] as const) {
    if (c[list] !== undefined && !Array.isArray(c[list])) return `${at}.${list}: want a list`;
  }
  const ports = (c.ports ?? []) as unknown[];
  const bad = ports.findIndex((p) => !isObject(p) || typeof p.containerPort !== 'number');
  if (bad !== -1) return `${at}.ports[${bad}].containerPort: want a number`;
  const env = (c.env ?? []) as unknown[];
  const badEnv = env.findIndex((e) => !isObject(e) || typeof e.name !== 'string');
  return badEnv === -1 ? undefined : `${at}.env[${badEnv}].name: want a string`;
}

function listProblem(v: unknown, at: string): string | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return `${at}: want a list`;
  for (const [i, c] of v.entries()) {
    const p = containerProblem(c, `${at}[${i}]`);
    if (p) return p;
  }
  return undefined;
}

function metadataProblem(meta: unknown): string | undefined {
  if (meta === undefined) return undefined;
  if (!isObject(meta)) return 'metadata: want an object';
  const bad = (['name', 'generateName', 'namespace'] as const).find((k) => meta[k] !== undefined && typeof meta[k] !== 'string');
  if (bad) return `metadata.${bad}: want a string`;
  return stringMap(meta.labels, 'metadata.labels') ?? stringMap(meta.annotations, 'metadata.annotations');
}

/** What is wrong with the JSON types of request.object, as "field: want …", or undefined. */
export function podShapeProblem(pod: unknown): string | undefined {
  if (pod === undefined) return undefined;
  if (!isObject(pod)) return 'request.object: want an object';
  const meta = metadataProblem(pod.metadata);
  if (meta) return meta;
  if (pod.spec === undefined) return undefined;
  if (!isObject(pod.spec)) return 'spec: want an object';
  if (pod.spec.hostNetwork !== undefined && typeof pod.spec.hostNetwork !== 'boolean') return 'spec.hostNetwork: want a boolean';
  return listProblem(pod.spec.containers, 'spec.containers') ?? listProblem(pod.spec.initContainers, 'spec.initContainers');
}
