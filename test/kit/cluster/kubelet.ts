// ProcessKubelet: stands in for the kubelet of one node ("node-1") of the test
// control plane. run(namespace, name) takes a pod stored in the API server,
// binds it to the node, runs its containers as local processes on the pod's own
// loopback address 127.0.0.N, and keeps pods/status true to those processes.
// A watch on the node's pods stops the processes when a pod is deleted (and,
// like a kubelet, completes the graceful deletion). stopAll() kills everything;
// the exit hook and PR_SET_PDEATHSIG kill what a crashed test leaves.
// See BUILD-NOTES.md, "Pods as processes".
import type { V1Pod } from '@kubernetes/client-node';
import type { ContainerExit } from './container-process.ts';
import type { ControlPlane } from './controlplane.ts';
import { KubeRest, type WatchEvent } from './kube-rest.ts';
import { bindPod, finishDeletion, notRunnable, podPath, registerNode } from './kubelet-api.ts';
import { watchNodePods } from './node-watch.ts';
import { allocatePodIp, releasePodIp } from './pod-ips.ts';
import { checkRuntimes, planPod } from './pod-plan.ts';
import { PodRunner } from './pod-runner.ts';
import { DEFAULT_RUNTIMES, type ContainerRuntime } from './runtimes.ts';

export interface ProcessKubeletOptions {
  cp: Pick<ControlPlane, 'server' | 'caFile' | 'adminToken'>;
  /** Merged over DEFAULT_RUNTIMES; keys are container names or image globs. */
  runtimes?: Readonly<Record<string, ContainerRuntime>>;
  /** Default "node-1". */
  nodeName?: string;
  /** run() fails if the containers are not ready within this; default 30 s. */
  readyTimeoutMs?: number;
  /** Cap on terminationGracePeriodSeconds / deletion grace; default 10 s. */
  maxGraceMs?: number;
  /** Every container output line ("[ns/pod/container] line") and background errors. */
  log?: (line: string) => void;
}

export interface PodHandle {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** The pod IP, 127.0.0.N. */
  readonly ip: string;
  pid(container: string): number;
  alive(container: string): boolean;
  /** The container's last output lines. */
  logs(container: string): readonly string[];
  exited(container: string): Promise<ContainerExit>;
  /** Stops the processes (status reports them terminated); the pod object stays. */
  stop(): Promise<void>;
}

interface Entry {
  runner: PodRunner;
  /** Sequence number once bound; a relist started earlier may not see the pod. */
  boundSeq?: number;
}

export class ProcessKubelet {
  readonly nodeName: string;
  private readonly rest: KubeRest;
  private readonly runtimes: Readonly<Record<string, ContainerRuntime>>;
  private readonly pods = new Map<string, Entry>();
  private readonly watchAbort = new AbortController();
  private started: Promise<void> | undefined;
  private seq = 0;
  private closed = false;

  constructor(private readonly o: ProcessKubeletOptions) {
    this.nodeName = o.nodeName ?? 'node-1';
    this.rest = new KubeRest({ server: o.cp.server, caFile: o.cp.caFile, token: o.cp.adminToken });
    this.runtimes = { ...DEFAULT_RUNTIMES, ...o.runtimes };
  }

  private get maxGraceMs(): number {
    return this.o.maxGraceMs ?? 10_000;
  }

  private warn(msg: string): void {
    (this.o.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`[kubelet] ${msg}`);
  }

  /** Runs the stored pod; resolves once its containers are ready and the API says Running/Ready. */
  async run(namespace: string, name: string): Promise<PodHandle> {
    if (this.closed) throw new Error('ProcessKubelet: stopAll() was called');
    this.started ??= this.start().catch((err: unknown) => {
      this.started = undefined;
      throw err;
    });
    await this.started;
    const pod = await this.rest.get<V1Pod>(podPath(namespace, name));
    const uid = pod.metadata?.uid ?? '';
    const why = this.pods.has(uid) ? 'is already running' : notRunnable(pod, this.nodeName);
    if (why !== undefined) throw new Error(`pod ${namespace}/${name} ${why}`);
    checkRuntimes(pod, this.runtimes);
    const ip = allocatePodIp();
    let entry: Entry | undefined;
    let started = false;
    try {
      const plan = await planPod(pod, ip, this.nodeName, this.runtimes, this.rest);
      const id = { namespace, name, uid, restartPolicy: pod.spec?.restartPolicy ?? 'Always' };
      const deps = {
        rest: this.rest,
        readyTimeoutMs: this.o.readyTimeoutMs ?? 30_000,
        graceMs: this.maxGraceMs,
        log: this.o.log,
        warn: (m: string) => this.warn(m),
        onGone: (r: PodRunner) => this.background(this.forget(r, this.maxGraceMs, false)),
      };
      entry = { runner: new PodRunner(id, ip, plan, deps) };
      this.pods.set(uid, entry);
      if ((pod.spec?.nodeName ?? '') === '') await bindPod(this.rest, pod, this.nodeName);
      entry.boundSeq = ++this.seq;
      started = true;
      await entry.runner.start();
      return this.handle(entry.runner);
    } catch (err) {
      if (entry === undefined) releasePodIp(ip);
      else await this.forget(entry.runner, 2000, started);
      throw err;
    }
  }

  /** Stops every pod's processes (status reports them terminated) and the watch. */
  async stopAll(graceMs = 3000): Promise<void> {
    this.closed = true;
    this.watchAbort.abort();
    await Promise.all([...this.pods.values()].map((e) => this.forget(e.runner, graceMs, true)));
    this.rest.close();
  }

  private handle(runner: PodRunner): PodHandle {
    const proc = (c: string): NonNullable<ReturnType<typeof runner.procs.get>> => {
      const p = runner.procs.get(c);
      if (p === undefined) throw new Error(`pod ${runner.id.namespace}/${runner.id.name} has no process for container ${c}`);
      return p;
    };
    return {
      ...runner.id,
      ip: runner.ip,
      pid: (c) => proc(c).pid,
      alive: (c) => proc(c).exit() === undefined,
      logs: (c) => proc(c).lines(),
      exited: (c) => proc(c).exited,
      stop: () => this.forget(runner, this.maxGraceMs, true),
    };
  }

  private background(p: Promise<unknown>): void {
    p.catch((err: unknown) => this.warn(String(err)));
  }

  private async forget(runner: PodRunner, graceMs: number, report: boolean): Promise<void> {
    if (this.pods.get(runner.id.uid)?.runner === runner) this.pods.delete(runner.id.uid);
    await runner.stop(graceMs, report);
    releasePodIp(runner.ip);
  }

  /** A deleted (Terminating) pod: stop within its grace period, then delete it for good. */
  private async terminate(runner: PodRunner, pod: V1Pod): Promise<void> {
    // forget() drops the pod from this.pods at once, so later events for it are ignored.
    await this.forget(runner, Math.min((pod.metadata?.deletionGracePeriodSeconds ?? 30) * 1000, this.maxGraceMs), true);
    await finishDeletion(this.rest, runner.id.namespace, runner.id.name, runner.id.uid);
  }

  private onPod(type: WatchEvent<V1Pod>['type'], pod: V1Pod): void {
    const entry = this.pods.get(pod.metadata?.uid ?? '');
    if (entry === undefined) return;
    if (type === 'DELETED') this.background(this.forget(entry.runner, this.maxGraceMs, false));
    else if (pod.metadata?.deletionTimestamp !== undefined) this.background(this.terminate(entry.runner, pod));
  }

  /** After a (re)list: pods bound before the list began and now absent were deleted meanwhile. */
  private reconcile(items: V1Pod[], listSeq: number): void {
    const byUid = new Map(items.map((p) => [p.metadata?.uid ?? '', p]));
    for (const [uid, e] of this.pods) {
      const pod = byUid.get(uid);
      if (pod !== undefined) this.onPod('MODIFIED', pod);
      else if (e.boundSeq !== undefined && e.boundSeq < listSeq) this.onPod('DELETED', { metadata: { uid } });
    }
  }

  private async start(): Promise<void> {
    await registerNode(this.rest, this.nodeName);
    await watchNodePods({
      rest: this.rest,
      nodeName: this.nodeName,
      signal: this.watchAbort.signal,
      beforeList: () => ++this.seq,
      onList: (items, listSeq) => this.reconcile(items, listSeq),
      onEvent: (type, pod) => this.onPod(type, pod),
      warn: (m) => this.warn(m),
    });
  }
}
