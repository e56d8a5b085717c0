// POST /api/v1/captures/upload stores a profile file a user has (a local
// .pb.gz the UI opened, a go tool pprof output) as a capture in a namespace
// they name: RBAC `create captures/upload` there (plain `create captures` is
// not enough: an upload is content no pod produced), the body bounded by
// --max-profile-bytes (413), decoded in a worker under --max-decoded-bytes
// before anything is stored (400 otherwise), audited. It claims no pod.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Access, Authorizer } from '../../gateway/auth/authz.ts';
import type { CaptureList, CaptureMeta } from '../../src/api/types.ts';
import { jsonError, useHarness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';
import { syntheticProfile } from '../kit/browser/synthetic-profile.ts';

const harness = useHarness({ pods: 1, gatewayArgs: ['--max-profile-bytes', '256KiB', '--max-decoded-bytes', '1MiB'] });

function upload(query: string, body: Buffer, type = 'application/octet-stream'): Promise<Reply> {
  const h = harness();
  return httpsRequest(`${h.url}/api/v1/captures/upload?${query}`, {
    method: 'POST',
    headers: { ...bearer(h.token), 'content-type': type, 'content-length': String(body.length) },
    body,
  });
}

async function get(path: string): Promise<Reply> {
  const h = harness();
  return httpsRequest(`${h.url}${path}`, { headers: bearer(h.token) });
}

async function heapProfile(): Promise<Buffer> {
  const r = await get('/api/v1/namespaces/team-a/pods/web-0/debug/pprof/heap');
  assert.equal(r.status, 200, r.text);
  return r.body;
}

const listed = async (): Promise<CaptureMeta[]> => [...(JSON.parse((await get('/api/v1/captures')).text) as CaptureList).items];
/** What the store holds on disk: capture directories and temp dirs. */
const onDisk = (): string[] => readdirSync(harness().storeDir).sort();

/** RBAC as a Role with the given rules: everything allowed but what `allowed` refuses; records every question. */
function rbac(allowed: (a: Access) => boolean, asked: Access[]): Authorizer {
  return (_user, a) => {
    asked.push(a);
    return Promise.resolve(allowed(a) ? { allowed: true } : { allowed: false, reason: 'no RBAC rule' });
  };
}

test('a .pb.gz is stored as a capture in the named namespace, typed by its samples, downloadable as sent, claiming no pod, audited', async () => {
  const bytes = await heapProfile();
  const r = await upload('namespace=team-a&name=../before%20deploy.pb.gz', bytes);
  assert.equal(r.status, 201, r.text);
  const meta = JSON.parse(r.text) as CaptureMeta;
  assert.equal(r.headers.location, `/api/v1/captures/${meta.id}`);
  assert.equal(meta.status, 'done');
  assert.equal(meta.namespace, 'team-a');
  assert.equal(meta.type, 'heap');
  assert.deepEqual(meta.target, { upload: 'before_deploy.pb.gz' });
  assert.deepEqual(meta.pods, []);
  assert.ok(Number(meta.totals?.['inuse_space/bytes'] ?? -1) >= 0, JSON.stringify(meta.totals));
  assert.ok((await listed()).some((c) => c.id === meta.id));
  const down = await get(`/api/v1/captures/${meta.id}/profile.pb.gz`);
  assert.equal(down.status, 200);
  assert.ok(down.body.equals(bytes), 'the stored file is the bytes sent');
  const line = harness().logs.find((l) => l.includes('"outcome":"uploaded"'));
  assert.ok(line, 'the upload is audited');
  const a = (JSON.parse(line) as { audit: Record<string, unknown> }).audit;
  assert.equal(a.user, 'alice@example.com');
  assert.equal(a.namespace, 'team-a');
  assert.equal(a.decision, 'allowed');
  assert.deepEqual(a.params, { capture: meta.id, upload: 'before_deploy.pb.gz' });
});

test('an uncompressed .pb is stored gzipped, and type= names a type its samples cannot (mutex)', async () => {
  const raw = gunzipSync(await heapProfile());
  const r = await upload('namespace=team-a&name=heap.pb&type=mutex', raw);
  assert.equal(r.status, 201, r.text);
  const meta = JSON.parse(r.text) as CaptureMeta;
  assert.equal(meta.type, 'mutex');
  const down = await get(`/api/v1/captures/${meta.id}/profile.pb.gz`);
  assert.ok(gunzipSync(down.body).equals(raw));
});

test('without create captures/upload in the namespace it is a 403 naming the rule, asked before the body is read; plain create captures is not enough', async () => {
  const before = onDisk();
  const asked: Access[] = [];
  // The user may create captures (of pods) in team-a, but has no rule for captures/upload.
  harness().setAuthorizer(rbac((a) => !(a.resource === 'captures' && a.subresource === 'upload'), asked));
  try {
    const r = await upload('namespace=team-a', await heapProfile());
    assert.equal(r.status, 403, r.text);
    assert.equal(jsonError(r).code, 'PODPROF_FORBIDDEN');
    assert.match(
      jsonError(r).message,
      /^alice@example\.com may not create captures\/upload in namespace team-a; a Role needs: apiGroups: \["podprof\.io"\], resources: \["captures\/upload"\], verbs: \["create"\]/,
    );
    assert.deepEqual(
      asked.filter((a) => a.resource === 'captures'),
      [{ verb: 'create', resource: 'captures', subresource: 'upload', namespace: 'team-a' }],
    );
    const denied = harness().logs.findLast((l) => l.includes('/api/v1/captures/upload'));
    assert.match(denied ?? '', /"decision":"denied"/);
  } finally {
    harness().setAuthorizer(undefined);
  }
  assert.deepEqual(onDisk(), before, 'nothing was stored');
});

test('garbage, gzipped garbage, an empty body, a gzip bomb and a JSON body are 400s that say why, and nothing is stored', async () => {
  const before = onDisk();
  const count = (await listed()).length;
  const cases: [string, Buffer, RegExp, string?][] = [
    ['random bytes', Buffer.from('this is not a profile at all, just text\n'.repeat(20)), /not a pprof protobuf/],
    ['gzipped text', gzipSync(Buffer.from('hello, not a protobuf')), /not a pprof (protobuf|profile)/],
    ['not gzip after its magic', Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6]), /not a readable gzipped pprof profile/],
    ['empty', Buffer.alloc(0), /the body is empty/],
    ['a gzip bomb', gzipSync(Buffer.alloc(16 * 1024 * 1024)), /too large/],
  ];
  for (const [what, body, message] of cases) {
    const r = await upload('namespace=team-a&name=x.pb.gz', body);
    assert.equal(r.status, 400, `${what}: ${r.text}`);
    assert.equal(jsonError(r).code, 'PODPROF_BAD_PROFILE', what);
    assert.match(jsonError(r).message, message, what);
  }
  const json = await upload('namespace=team-a', Buffer.from('{"a":1}'), 'application/json');
  assert.equal(json.status, 400, json.text);
  assert.match(jsonError(json).message, /Content-Type: application\/octet-stream/);
  const noNamespace = await upload('name=x.pb.gz', await heapProfile());
  assert.equal(noNamespace.status, 400);
  assert.match(jsonError(noNamespace).message, /^namespace: required/);
  const badType = await upload('namespace=team-a&type=trace', await heapProfile());
  assert.equal(badType.status, 400);
  assert.match(jsonError(badType).message, /^type: want one of profile, heap/);
  assert.equal((await listed()).length, count);
  assert.deepEqual(onDisk(), before, 'no capture directory and no temp dir is left');
});

test('a body over --max-profile-bytes is a 413, and nothing is stored', async () => {
  const before = onDisk();
  const r = await upload('namespace=team-a&name=big.pb.gz', Buffer.alloc(300 * 1024, 7));
  assert.equal(r.status, 413, r.text);
  assert.equal(jsonError(r).code, 'PODPROF_REQUEST_TOO_LARGE');
  assert.deepEqual(onDisk(), before);
});

test('uploads count against the store like captures: into a full store (--store-max-bytes) it is a 507 and nothing more is stored', async () => {
  await harness().restartGateway(['--store-max-bytes', '1MiB']);
  const body = Buffer.from(syntheticProfile({ functions: 300, locations: 700, stacks: 1500, samples: 6000, seed: 11 }));
  assert.ok(body.length > 32 * 1024 && body.length < 256 * 1024, `${body.length} bytes`);
  const statuses: number[] = [];
  for (let i = 0; i < 60 && !statuses.includes(507); i++)
    statuses.push((await upload(`namespace=team-a&name=fill-${i}.pb.gz`, body)).status);
  assert.equal(statuses.at(-1), 507, statuses.join(' '));
  assert.ok(
    statuses.slice(0, -1).every((s) => s === 201),
    statuses.join(' '),
  );
  const before = onDisk();
  const r = await upload('namespace=team-a&name=one-more.pb.gz', body);
  assert.equal(r.status, 507, r.text);
  assert.equal(jsonError(r).code, 'PODPROF_STORE_FULL');
  assert.deepEqual(onDisk(), before);
});
