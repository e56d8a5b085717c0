// Patches a pod's status (as the kubelet does, through the pods/status
// subresource): serialised per pod, and calls made while a patch is queued share
// it, so bursts of container events cost one request. The patch carries the
// pod's uid; a 404, or a name now held by another pod, means "gone".
import { isApiStatus, type KubeRest } from './kube-rest.ts';
import { podPath } from './kubelet-api.ts';
import type { PodStatusJson } from './pod-status.ts';

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export class StatusReporter {
  private chain: Promise<void> = Promise.resolve();
  private pending: Promise<void> | undefined;
  private quiet = false;

  constructor(
    private readonly rest: KubeRest,
    private readonly pod: PodRef,
    private readonly status: () => PodStatusJson,
    private readonly onGone: () => void,
  ) {}

  /** No more patches (the pod is gone, or its owner no longer reports). */
  silence(): void {
    this.quiet = true;
  }

  /** Patches the status as it is when the patch is sent. */
  sync(): Promise<void> {
    if (this.quiet) return Promise.resolve();
    if (this.pending !== undefined) return this.pending;
    const p = this.chain
      .catch(() => undefined)
      .then(() => {
        this.pending = undefined;
        return this.patch();
      });
    this.pending = p;
    this.chain = p;
    return p;
  }

  private async patch(): Promise<void> {
    if (this.quiet) return;
    const path = podPath(this.pod.namespace, this.pod.name);
    try {
      await this.rest.mergePatch(`${path}/status`, { metadata: { uid: this.pod.uid }, status: this.status() });
    } catch (err) {
      if (!(await this.isGone(path, err))) throw err;
      this.quiet = true;
      this.onGone();
    }
  }

  private async isGone(path: string, err: unknown): Promise<boolean> {
    if (isApiStatus(err, 404)) return true;
    if (!isApiStatus(err, 409, 422)) return false;
    try {
      const pod = await this.rest.get<{ metadata?: { uid?: string } }>(path);
      return pod.metadata?.uid !== this.pod.uid;
    } catch (e) {
      return isApiStatus(e, 404);
    }
  }
}
