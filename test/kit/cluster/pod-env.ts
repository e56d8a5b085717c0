// A container's environment as the kubelet builds it: envFrom, then env (later
// wins), literal values with $(VAR) expansion, and valueFrom: fieldRef (downward
// API), configMapKeyRef and secretKeyRef (read from the API server).
// Unsupported: resourceFieldRef, fileKeyRef, and the kubelet's service env vars.
import type { V1Container, V1EnvVar, V1EnvFromSource, V1Pod } from '@kubernetes/client-node';
import { isApiStatus, type KubeRest } from './kube-rest.ts';

export interface EnvContext {
  pod: V1Pod;
  podIP: string;
  hostIP: string;
  nodeName: string;
  rest: KubeRest;
}

/** Kubernetes $(VAR) expansion: defined names are replaced, $$ escapes, others stay as written. */
export function expandVars(s: string, vars: Readonly<Record<string, string>>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : (vars[name ?? ''] ?? m)));
}

/** The value of a downward-API fieldRef path for this pod. */
export function fieldRefValue(fieldPath: string, ctx: EnvContext): string {
  const meta = ctx.pod.metadata ?? {};
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed) return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2] ?? ''] ?? '';
  const values: Record<string, string | undefined> = {
    'metadata.name': meta.name,
    'metadata.namespace': meta.namespace,
    'metadata.uid': meta.uid,
    'spec.nodeName': ctx.nodeName,
    'spec.serviceAccountName': ctx.pod.spec?.serviceAccountName,
    'status.podIP': ctx.podIP,
    'status.podIPs': ctx.podIP,
    'status.hostIP': ctx.hostIP,
    'status.hostIPs': ctx.hostIP,
  };
  if (!(fieldPath in values)) throw new Error(`fieldRef ${fieldPath} is not supported by the kubelet stand-in`);
  return values[fieldPath] ?? '';
}

interface KeyedData {
  data?: Record<string, string>;
}

async function readData(
  ctx: EnvContext,
  kind: 'configmaps' | 'secrets',
  name: string,
  optional: boolean | undefined,
): Promise<Record<string, string> | undefined> {
  try {
    const obj = await ctx.rest.get<KeyedData>(`/api/v1/namespaces/${ctx.pod.metadata?.namespace}/${kind}/${name}`);
    const data = obj.data ?? {};
    if (kind === 'configmaps') return data;
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  } catch (err) {
    if (optional === true && isApiStatus(err, 404)) return undefined;
    throw err;
  }
}

async function keyRef(
  ctx: EnvContext,
  kind: 'configmaps' | 'secrets',
  ref: { name?: string; key: string; optional?: boolean },
): Promise<string | undefined> {
  const data = await readData(ctx, kind, ref.name ?? '', ref.optional);
  const value = data?.[ref.key];
  if (value === undefined && data !== undefined && ref.optional !== true)
    throw new Error(`${kind} ${ref.name ?? ''} has no key ${ref.key}`);
  return value;
}

async function valueOf(v: V1EnvVar, ctx: EnvContext, vars: Record<string, string>): Promise<string | undefined> {
  const from = v.valueFrom;
  if (from === undefined) return expandVars(v.value ?? '', vars);
  if (from.fieldRef) return fieldRefValue(from.fieldRef.fieldPath, ctx);
  if (from.configMapKeyRef) return keyRef(ctx, 'configmaps', from.configMapKeyRef);
  if (from.secretKeyRef) return keyRef(ctx, 'secrets', from.secretKeyRef);
  throw new Error(`env ${v.name}: only value, fieldRef, configMapKeyRef and secretKeyRef are supported by the kubelet stand-in`);
}

async function addEnvFrom(src: V1EnvFromSource, ctx: EnvContext, vars: Record<string, string>): Promise<void> {
  const ref = src.configMapRef ?? src.secretRef;
  if (ref === undefined) return;
  const data = await readData(ctx, src.configMapRef ? 'configmaps' : 'secrets', ref.name ?? '', ref.optional);
  for (const [k, v] of Object.entries(data ?? {})) vars[`${src.prefix ?? ''}${k}`] = v;
}

/** The env a container's process gets from its pod spec (PATH/HOSTNAME are added by the caller). */
export async function containerEnv(c: V1Container, ctx: EnvContext): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  for (const src of c.envFrom ?? []) await addEnvFrom(src, ctx, vars);
  for (const v of c.env ?? []) {
    const value = await valueOf(v, ctx, vars);
    if (value !== undefined) vars[v.name] = value;
  }
  return vars;
}
