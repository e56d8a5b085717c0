// The pod status the kubelet stand-in reports, computed from what its processes
// did. Pure functions: pod-runner.ts patches the result into pods/status.
//
// Honest simplifications: a container that exits is never restarted (a real
// kubelet would, for restartPolicy Always/OnFailure, and show CrashLoopBackOff);
// it stays `terminated` with its exit code, restartCount stays 0, and the pod
// stays Running but not Ready. Readiness is decided once (first success), not
// probed periodically.
import { constants } from 'node:os';

export type ContainerKind = 'init' | 'sidecar' | 'regular';

export interface ContainerRecord {
  name: string;
  image: string;
  /** init: runs to completion first; sidecar: init container with restartPolicy Always. */
  kind: ContainerKind;
  state: 'waiting' | 'running' | 'terminated';
  ready: boolean;
  pid?: number;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  signal?: NodeJS.Signals;
  message?: string;
}

export interface PodRecord {
  podIP: string;
  hostIP: string;
  startTime: string;
  restartPolicy: string;
  initialized: boolean;
  containers: ContainerRecord[];
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** JSON as sent to pods/status (client-node's V1 types want Date objects for timestamps). */
export interface PodConditionJson {
  type: string;
  status: 'True' | 'False';
  lastProbeTime: null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export interface PodStatusJson {
  phase: PodPhase;
  hostIP: string;
  hostIPs: Array<{ ip: string }>;
  podIP: string;
  podIPs: Array<{ ip: string }>;
  startTime: string;
  conditions: PodConditionJson[];
  containerStatuses: Array<Record<string, unknown>>;
  initContainerStatuses: Array<Record<string, unknown>>;
}

/**
 * Pending until every regular container has started; then Running until all
 * regular containers have terminated, and then (like the kubelet) Failed or
 * Succeeded by restartPolicy: Never → Failed if any exit code ≠ 0, OnFailure →
 * Succeeded if all are 0, Always → stays Running (this stand-in does not restart).
 * A failed init container fails a restartPolicy Never pod.
 */
export function podPhase(p: PodRecord): PodPhase {
  const initFailed = p.containers.some((c) => c.kind === 'init' && c.state === 'terminated' && c.exitCode !== 0);
  if (initFailed && p.restartPolicy === 'Never') return 'Failed';
  const regular = p.containers.filter((c) => c.kind === 'regular');
  if (regular.some((c) => c.state === 'waiting')) return 'Pending';
  if (!regular.every((c) => c.state === 'terminated')) return 'Running';
  const failed = regular.some((c) => c.exitCode !== 0);
  if (p.restartPolicy === 'Never') return failed ? 'Failed' : 'Succeeded';
  if (p.restartPolicy === 'OnFailure' && !failed) return 'Succeeded';
  return 'Running';
}

function containerStatus(c: ContainerRecord, initialized: boolean): Record<string, unknown> {
  const id = c.pid === undefined ? undefined : `process://${c.pid}`;
  let state: Record<string, unknown>;
  if (c.state === 'running') state = { running: { startedAt: c.startedAt } };
  else if (c.state === 'terminated') {
    state = {
      terminated: {
        exitCode: c.exitCode ?? 0,
        ...(c.signal ? { signal: constants.signals[c.signal] } : {}),
        reason: c.exitCode === 0 ? 'Completed' : 'Error',
        ...(c.message ? { message: c.message } : {}),
        startedAt: c.startedAt,
        finishedAt: c.finishedAt,
        containerID: id,
      },
    };
  } else state = { waiting: { reason: c.kind === 'regular' && initialized ? 'ContainerCreating' : 'PodInitializing' } };
  return {
    name: c.name,
    image: c.image,
    imageID: '',
    containerID: id,
    ready: c.ready,
    started: c.state === 'running',
    restartCount: 0,
    state,
  };
}

/** Keeps lastTransitionTime stable while a condition does not change. */
export class ConditionClock {
  private readonly last = new Map<string, { status: 'True' | 'False'; time: string }>();

  condition(type: string, ok: boolean, reason?: string, message?: string): PodConditionJson {
    const status = ok ? 'True' : 'False';
    let prev = this.last.get(type);
    if (prev?.status !== status) {
      prev = { status, time: new Date().toISOString() };
      this.last.set(type, prev);
    }
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: prev.time,
      ...(reason && !ok ? { reason } : {}),
      ...(message && !ok ? { message } : {}),
    };
  }
}

export function buildPodStatus(p: PodRecord, clock: ConditionClock): PodStatusJson {
  const phase = podPhase(p);
  const longRunning = p.containers.filter((c) => c.kind !== 'init');
  const allReady = phase === 'Running' && longRunning.every((c) => c.ready);
  const notReady = longRunning.filter((c) => !c.ready).map((c) => c.name);
  const reason = phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
  const message = reason === 'ContainersNotReady' ? `containers with unready status: [${notReady.join(' ')}]` : undefined;
  return {
    phase,
    hostIP: p.hostIP,
    hostIPs: [{ ip: p.hostIP }],
    podIP: p.podIP,
    podIPs: [{ ip: p.podIP }],
    startTime: p.startTime,
    conditions: [
      clock.condition('PodReadyToStartContainers', true),
      clock.condition('Initialized', p.initialized, 'ContainersNotInitialized'),
      clock.condition('Ready', allReady, reason, message),
      clock.condition('ContainersReady', allReady, reason, message),
      clock.condition('PodScheduled', true),
    ],
    containerStatuses: p.containers.filter((c) => c.kind === 'regular').map((c) => containerStatus(c, p.initialized)),
    initContainerStatuses: p.containers.filter((c) => c.kind !== 'regular').map((c) => containerStatus(c, p.initialized)),
  };
}
