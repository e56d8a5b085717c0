// The pods the webhook benchmark sends, shaped as the API server sends them to a
// mutating webhook on CREATE: after defaulting and the ServiceAccount admission
// plugin (the kube-api-access volume), with the managedFields entry of the
// manager that created them.
//
//  typical: a Deployment's pod made by the ReplicaSet controller: 2 containers
//           (the app and a log shipper), a few env vars, ports, probes, the
//           podprof.io opt-in annotations (7 KiB of AdmissionReview JSON).
//  large:   10 containers with 200 env vars each, and the managedFields that
//           describe all of them (318 KiB of AdmissionReview JSON).
import { randomUUID } from 'node:crypto';
import type { Container, ObjectMeta, Pod } from '../../src/k8s/types.ts';

const NAMESPACE = 'shop';
const HASH = '7d9f8c6b5';
const TIME = '2026-01-15T09:30:00Z';
const OWNER_UID = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';

type Fields = Record<string, unknown>;

const leaf = (...names: string[]): Fields => Object.fromEntries([['.', {}], ...names.map((n): [string, Fields] => [`f:${n}`, {}])]);

function apiAccessVolume(): { name: string; [key: string]: unknown } {
  return {
    name: 'kube-api-access-x7k2p',
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

const API_MOUNT = { name: 'kube-api-access-x7k2p', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };

const CONTAINER_DEFAULTS = {
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  imagePullPolicy: 'IfNotPresent',
};

const SECURITY = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };

function probe(path: string, port: string): Record<string, unknown> {
  return { httpGet: { path, port, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };
}

function podSpecDefaults(): Record<string, unknown> {
  return {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: 'checkout',
    serviceAccount: 'checkout',
    securityContext: { runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
    schedulerName: 'default-scheduler',
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    priority: 0,
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
  };
}

function metadataFields(annotations: Record<string, string>, labels: Record<string, string>): Fields {
  return {
    'f:metadata': {
      'f:annotations': leaf(...Object.keys(annotations)),
      'f:generateName': {},
      'f:labels': leaf(...Object.keys(labels)),
      'f:ownerReferences': { '.': {}, [`k:{"uid":"${OWNER_UID}"}`]: {} },
    },
  };
}

function containerFields(c: Container): Fields {
  const env = Object.fromEntries(
    (c.env ?? []).map((e) => [`k:{"name":"${e.name}"}`, leaf('name', e.value === undefined ? 'valueFrom' : 'value')]),
  );
  const ports = Object.fromEntries(
    (c.ports ?? []).map((p) => [`k:{"containerPort":${p.containerPort},"protocol":"TCP"}`, leaf('containerPort', 'name', 'protocol')]),
  );
  return {
    '.': {},
    'f:args': {},
    'f:env': { '.': {}, ...env },
    'f:image': {},
    'f:imagePullPolicy': {},
    'f:name': {},
    'f:ports': { '.': {}, ...ports },
    'f:resources': { '.': {}, 'f:limits': leaf('memory'), 'f:requests': leaf('cpu', 'memory') },
    'f:securityContext': leaf('allowPrivilegeEscalation', 'capabilities', 'readOnlyRootFilesystem', 'runAsNonRoot'),
    'f:terminationMessagePath': {},
    'f:terminationMessagePolicy': {},
  };
}

/** The managedFields entry the ReplicaSet controller writes when it creates the pod. */
function managedFields(annotations: Record<string, string>, labels: Record<string, string>, containers: Container[]): unknown[] {
  const specContainers = Object.fromEntries(containers.map((c) => [`k:{"name":"${c.name}"}`, containerFields(c)]));
  const fieldsV1 = {
    ...metadataFields(annotations, labels),
    'f:spec': {
      'f:containers': specContainers,
      'f:dnsPolicy': {},
      'f:enableServiceLinks': {},
      'f:restartPolicy': {},
      'f:schedulerName': {},
      'f:securityContext': leaf('fsGroup', 'runAsGroup', 'runAsUser', 'seccompProfile'),
      'f:serviceAccount': {},
      'f:serviceAccountName': {},
      'f:terminationGracePeriodSeconds': {},
    },
  };
  return [{ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1', time: TIME, fieldsType: 'FieldsV1', fieldsV1 }];
}

function pod(name: string, containers: Container[]): Pod {
  const labels = {
    app: name,
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/part-of': NAMESPACE,
    'app.kubernetes.io/version': '1.14.2',
    'pod-template-hash': HASH,
  };
  const annotations = {
    'podprof.io/inject': 'true',
    'podprof.io/port': '6060',
    'podprof.io/profiles': 'profile,heap,allocs,goroutine,block,mutex',
    'kubectl.kubernetes.io/restartedAt': TIME,
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': '9090',
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-${HASH}-`,
      namespace: NAMESPACE,
      creationTimestamp: null,
      labels,
      annotations,
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-${HASH}`, uid: OWNER_UID, controller: true, blockOwnerDeletion: true },
      ] as ObjectMeta['ownerReferences'],
      managedFields: managedFields(annotations, labels, containers),
    },
    spec: { volumes: [apiAccessVolume()], containers, ...podSpecDefaults() },
    status: {},
  };
}

function appContainer(name: string, env: Container['env']): Container {
  return {
    name,
    image: `registry.example.com/${NAMESPACE}/${name}:1.14.2`,
    args: ['--listen=:8080', '--metrics-listen=:9090', '--pprof-listen=127.0.0.1:6060'],
    ports: [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ],
    env,
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    volumeMounts: [API_MOUNT],
    readinessProbe: probe('/ready', 'http'),
    livenessProbe: probe('/live', 'http'),
    securityContext: SECURITY,
    ...CONTAINER_DEFAULTS,
  };
}

export function typicalPod(): Pod {
  const app = appContainer('checkout', [
    { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { containerName: 'checkout', resource: 'limits.cpu', divisor: '1' } } },
    { name: 'GOMEMLIMIT', value: '460MiB' },
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'DATABASE_URL', value: 'postgres://checkout@postgres.shop.svc:5432/checkout?sslmode=verify-full' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
  ]);
  const shipper: Container = {
    name: 'log-shipper',
    image: 'cr.fluentbit.io/fluent/fluent-bit:3.2.4',
    args: ['--config=/fluent-bit/etc/fluent-bit.yaml'],
    ports: [{ name: 'fb-metrics', containerPort: 2020, protocol: 'TCP' }],
    env: [{ name: 'FLUENT_ELASTICSEARCH_HOST', value: 'logs.observability.svc' }],
    resources: { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '64Mi' } },
    volumeMounts: [API_MOUNT],
    securityContext: SECURITY,
    ...CONTAINER_DEFAULTS,
  };
  return pod('checkout', [app, shipper]);
}

export function largePod(containers = 10, envPerContainer = 200): Pod {
  const cs = Array.from({ length: containers }, (_, i) =>
    appContainer(
      `worker-${i}`,
      Array.from({ length: envPerContainer }, (_, j) => ({
        name: `WORKER_${i}_SETTING_${String(j).padStart(3, '0')}`,
        value: `value-${i}-${j}-${'x'.repeat(24)}`,
      })),
    ),
  );
  return pod('batch', cs);
}

/** An AdmissionReview request for `object`, as the API server sends it for a ReplicaSet-made pod. */
export function admissionReview(object: Pod, uid: string = randomUUID()): Record<string, unknown> {
  const gvk = { group: '', version: 'v1', kind: 'Pod' };
  const gvr = { group: '', version: 'v1', resource: 'pods' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      namespace: object.metadata?.namespace,
      operation: 'CREATE',
      userInfo: {
        username: 'system:serviceaccount:kube-system:replicaset-controller',
        uid: '9b2f6c1e-7d3a-4e5b-8c9d-1e2f3a4b5c6d',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
      },
      object,
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    },
  };
}
