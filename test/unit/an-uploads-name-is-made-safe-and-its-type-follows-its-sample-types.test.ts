// An uploaded profile keeps a safe version of its file name, and is typed by
// its sample types unless the uploader names the type.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUploadRequest, uploadName } from '../../gateway/captures/upload.ts';
import { profileTypeOf as uploadType } from '../../src/profile/type-of.ts';
import { PodprofError } from '../../src/errors.ts';

test('the name keeps its last path element in letters, digits and . _ -, never a leading dot, at most 100 characters', () => {
  assert.equal(uploadName('../../etc/passwd'), 'passwd');
  assert.equal(uploadName('C:\\Users\\me\\cpu profile.pb.gz'), 'cpu_profile.pb.gz');
  assert.equal(uploadName('..hidden.pb'), 'hidden.pb');
  assert.equal(uploadName('<img src=x>.pb.gz'), '_img_src_x_.pb.gz');
  assert.equal(uploadName(''), 'upload.pb.gz');
  assert.equal(uploadName(undefined), 'upload.pb.gz');
  assert.equal(uploadName(['a', 'b']), 'upload.pb.gz');
  assert.equal(uploadName('x'.repeat(500)).length, 100);
});

test("the type is Go's for the profile's sample types", () => {
  assert.equal(uploadType(['samples/count', 'cpu/nanoseconds']), 'profile');
  assert.equal(uploadType(['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']), 'heap');
  assert.equal(uploadType(['goroutine/count']), 'goroutine');
  assert.equal(uploadType(['threadcreate/count']), 'threadcreate');
  assert.equal(uploadType(['contentions/count', 'delay/nanoseconds']), 'block');
  assert.equal(uploadType(['wall/nanoseconds']), 'profile');
});

test('the namespace is required and must be a namespace name; a type must be a pprof capture type', () => {
  assert.deepEqual(parseUploadRequest({ namespace: 'team-a', name: 'a.pb.gz' }), { namespace: 'team-a', name: 'a.pb.gz', type: undefined });
  assert.equal(parseUploadRequest({ namespace: 'team-a', type: 'mutex' }).type, 'mutex');
  for (const q of [
    {},
    { namespace: 'Team_A' },
    { namespace: ['a', 'b'] },
    { namespace: 'team-a', type: 'trace' },
    { namespace: 'team-a', type: 'cmdline' },
  ])
    assert.throws(
      () => parseUploadRequest(q),
      (e: unknown) => e instanceof PodprofError && e.code === 'PODPROF_BAD_PARAMETER',
    );
});
