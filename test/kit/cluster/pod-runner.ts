// One pod's processes and the status the kubelet stand-in reports for them.
// Init containers run in order (native sidecars, restartPolicy Always, start and
// keep running); then the regular containers start. Every state change is
// patched into pods/status; patches are serialised and coalesced per pod.
import type { V1Container } from '@kubernetes/client-node';
import { spawnContainer, type ContainerExit, type ContainerProcess } from './container-process.ts';
import type { KubeRest } from './kube-rest.ts';
import { buildPodStatus, ConditionClock, podPhase, type ContainerKind, type ContainerRecord, type PodRecord } from './pod-status.ts';
import { waitReady } from './readiness.ts';
import type { ProcessSpec } from './runtimes.ts';
import { StatusReporter } from './status-reporter.ts';

export interface PlannedContainer {
  container: V1Container;
  kind: ContainerKind;
  spec: ProcessSpec;
  /** Full process env: the container's env + PATH/HOSTNAME + spec.env. */
  env: Record<string, string>;
}

export interface PodIdentity {
  namespace: string;
  name: string;
  uid: string;
  restartPolicy: string;
}

export interface RunnerDeps {
  rest: KubeRest;
  readyTimeoutMs: number;
  /** How long a process gets between SIGTERM and SIGKILL when the pod fails on its own. */
  graceMs: number;
  /** Container output lines. */
  log?: (line: string) => void;
  /** Background errors (status patches that failed). */
  warn: (line: string) => void;
  /** Called when the API no longer has this pod (404, or the name now has another uid). */
  onGone: (runner: PodRunner) => void;
}

export class PodRunner {
  readonly record: PodRecord;
  readonly procs = new Map<string, ContainerProcess>();
  private readonly clock = new ConditionClock();
  private readonly abort = new AbortController();
  private readonly reporter: StatusReporter;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly id: PodIdentity,
    ip: string,
    private readonly plan: readonly PlannedContainer[],
    private readonly deps: RunnerDeps,
  ) {
    this.record = {
      podIP: ip,
      hostIP: '127.0.0.1',
      startTime: new Date().toISOString(),
      restartPolicy: id.restartPolicy,
      initialized: false,
      containers: plan.map((p) => ({
        name: p.container.name,
        image: p.container.image ?? '',
        kind: p.kind,
        state: 'waiting',
        ready: false,
      })),
    };
    this.reporter = new StatusReporter(
      deps.rest,
      id,
      () => buildPodStatus(this.record, this.clock),
      () => deps.onGone(this),
    );
  }

  get ip(): string {
    return this.record.podIP;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  private label(c: string): string {
    return `${this.id.namespace}/${this.id.name}/${c}`;
  }

  private rec(name: string): ContainerRecord {
    const r = this.record.containers.find((c) => c.name === name);
    if (r === undefined) throw new Error(`no container ${name}`);
    return r;
  }

  /** Starts everything; resolves once every long-running container is ready and that status is stored. */
  async start(): Promise<void> {
    this.syncInBackground();
    const ready: Array<Promise<void>> = [];
    for (const p of this.plan.filter((x) => x.kind !== 'regular')) {
      if (p.kind === 'init') await this.runToCompletion(p);
      else ready.push(this.startContainer(p));
      if (this.isStopping) throw new Error(`pod ${this.id.namespace}/${this.id.name} was stopped while starting`);
    }
    this.record.initialized = true;
    for (const p of this.plan.filter((x) => x.kind === 'regular')) ready.push(this.startContainer(p));
    this.syncInBackground();
    await this.withTimeout(Promise.all(ready));
    await this.sync();
  }

  private async withTimeout(all: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not ready within ${this.deps.readyTimeoutMs} ms`)), this.deps.readyTimeoutMs);
    });
    try {
      await Promise.race([all, timeout]);
    } catch (err) {
      throw new Error(`pod ${this.id.namespace}/${this.id.name}: ${(err as Error).message}\n${this.describe()}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Each container's state and last output lines, for error messages. */
  describe(lines = 15): string {
    return this.record.containers
      .map(
        (c) =>
          `--- ${c.name} (${c.state}${c.ready ? ', ready' : ''}${c.exitCode === undefined ? '' : `, exit ${c.exitCode}`}) ---\n${(this.procs.get(c.name)?.lines() ?? []).slice(-lines).join('\n')}`,
      )
      .join('\n');
  }

  private spawn(p: PlannedContainer): ContainerProcess {
    const proc = spawnContainer({
      label: this.label(p.container.name),
      command: p.spec.command,
      args: p.spec.args,
      env: p.env,
      cwd: p.spec.cwd,
      log: this.deps.log,
    });
    this.procs.set(p.container.name, proc);
    Object.assign(this.rec(p.container.name), { state: 'running', pid: proc.pid, startedAt: proc.startedAt });
    return proc;
  }

  private async runToCompletion(p: PlannedContainer): Promise<void> {
    const proc = this.spawn(p);
    this.syncInBackground();
    const e = await proc.exited;
    this.recordExit(p.container.name, e);
    this.syncInBackground();
    if (e.exitCode !== 0)
      throw new Error(`init container ${p.container.name} exited with code ${e.exitCode}\n${proc.lines().slice(-15).join('\n')}`);
  }

  private startContainer(p: PlannedContainer): Promise<void> {
    const proc = this.spawn(p);
    void proc.exited.then((e) => this.onExit(p.container.name, e));
    return waitReady(p.spec.readiness, proc, this.abort.signal).then(
      () => {
        if (proc.exit() !== undefined) return;
        this.rec(p.container.name).ready = true;
        this.syncInBackground();
      },
      (err: Error) => {
        throw new Error(`container ${p.container.name}: ${err.message}`);
      },
    );
  }

  private recordExit(name: string, e: ContainerExit): void {
    Object.assign(this.rec(name), {
      state: 'terminated',
      ready: false,
      exitCode: e.exitCode,
      signal: e.signal,
      finishedAt: e.finishedAt,
      message: e.error,
    });
  }

  private onExit(name: string, e: ContainerExit): void {
    this.recordExit(name, e);
    if (!this.isStopping) {
      this.deps.log?.(`[${this.label(name)}] exited with code ${e.exitCode}`);
      const phase = podPhase(this.record);
      // Like the kubelet: a finished pod's remaining (sidecar) containers are stopped.
      if (phase === 'Failed' || phase === 'Succeeded') void this.stop(this.deps.graceMs);
    }
    this.syncInBackground();
  }

  /** SIGTERM regular containers, then sidecars/init; SIGKILL after graceMs. report: patch the final status. */
  stop(graceMs: number, report = true): Promise<void> {
    if (!report) this.reporter.silence();
    this.stopping ??= this.doStop(graceMs);
    return this.stopping;
  }

  private async doStop(graceMs: number): Promise<void> {
    this.abort.abort();
    const stopKinds = (kinds: ContainerKind[]): Promise<unknown> =>
      Promise.all(
        this.plan.filter((p) => kinds.includes(p.kind)).map((p) => this.procs.get(p.container.name)?.stop(graceMs) ?? Promise.resolve()),
      );
    await stopKinds(['regular']);
    await stopKinds(['sidecar', 'init']);
    await this.sync().catch((err: unknown) => this.deps.warn(`status of ${this.id.namespace}/${this.id.name} after stop: ${String(err)}`));
  }

  private syncInBackground(): void {
    this.sync().catch((err: unknown) => this.deps.warn(`status of ${this.id.namespace}/${this.id.name}: ${String(err)}`));
  }

  /** Patches the current status into the API (coalesced, see status-reporter.ts). */
  sync(): Promise<void> {
    return this.reporter.sync();
  }
}
