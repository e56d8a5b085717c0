// The real Helm (helm.sh/helm/v4, Apache-2.0) for the chart tests, built from
// the Go module proxy into the podprof cache once per version and Go version
// (`npm run helm:build`, a step of .ci/run), the way the Makefile builds it:
// CGO off, stripped, the version stamped so `helm version` names it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildModule } from '../scrapers/go-module.ts';

const execFileP = promisify(execFile);

export const HELM_VERSION = 'v4.3.2';

export function buildHelm(): Promise<string> {
  return buildModule({
    name: 'helm',
    module: 'helm.sh/helm/v4',
    version: HELM_VERSION,
    pkg: './cmd/helm',
    ldflags: `-w -s -X helm.sh/helm/v4/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v4/internal/version.metadata=`,
  });
}

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs helm with its own empty config, cache and data folders (no repos, no plugins). */
export async function helm(bin: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<HelmResult> {
  try {
    const { stdout, stderr } = await execFileP(bin, [...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as Error & { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}
