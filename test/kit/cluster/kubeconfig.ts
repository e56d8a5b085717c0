// Writes a kubeconfig (JSON, which kubectl and client libraries read as YAML)
// with one context per token user; the admin context is current.
import { writeFileSync } from 'node:fs';

export interface KubeconfigInput {
  server: string;
  caFile: string;
  /** user name -> bearer token; `currentUser` must be one of them. */
  tokens: Record<string, string>;
  currentUser: string;
}

export const CLUSTER_NAME = 'podprof-test';

export function kubeconfigObject(k: KubeconfigInput): Record<string, unknown> {
  const names = Object.keys(k.tokens);
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CLUSTER_NAME, cluster: { server: k.server, 'certificate-authority': k.caFile } }],
    users: names.map((name) => ({ name, user: { token: k.tokens[name] } })),
    contexts: names.map((name) => ({
      name,
      context: { cluster: CLUSTER_NAME, user: name, namespace: 'default' },
    })),
    'current-context': k.currentUser,
    preferences: {},
  };
}

export function writeKubeconfig(path: string, k: KubeconfigInput): void {
  writeFileSync(path, JSON.stringify(kubeconfigObject(k), null, 2) + '\n', { mode: 0o600 });
}
