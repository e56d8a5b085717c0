// SIGTERM: the sidecar stops accepting, lets in-flight captures finish within
// the grace period, then exits 0.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import { bearer, httpsRequest } from '../kit/net/http.ts';
import { makeKeys, mint, startChild } from '../kit/product/sidecar.ts';

const keys = makeKeys();
let target: GoTarget;
before(async () => {
  target = await startGoTarget({ listen: '127.0.0.1:0' });
});
after(() => target.stop());

test('SIGTERM lets an in-flight CPU capture finish, refuses new connections, and exits 0', async () => {
  const s = await startChild(keys, target.url, ['--shutdown-grace', '10s']);
  const capture = httpsRequest(`${s.url}/debug/pprof/profile?seconds=2`, { headers: bearer(mint(keys, 'profile')) });
  await new Promise((r) => setTimeout(r, 400));
  const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
  s.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  await assert.rejects(httpsRequest(`${s.url}/debug/pprof/heap`, { headers: bearer(mint(keys, 'heap')) }), /ECONNREFUSED/);
  const r = await capture;
  assert.equal(r.status, 200, 'the capture that was running completed');
  assert.ok(r.body.length > 100);
  assert.equal(await exited, 0);
  assert.ok(s.logs.some((l) => l.includes('sidecar stopped')));
});

test('SIGTERM cuts captures that outlive the grace period', async () => {
  const s = await startChild(keys, target.url, ['--shutdown-grace', '500ms']);
  const capture = httpsRequest(`${s.url}/debug/pprof/profile?seconds=20`, { headers: bearer(mint(keys, 'profile')) });
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
  s.child.kill('SIGTERM');
  await assert.rejects(capture);
  assert.equal(await exited, 0);
  assert.ok(Date.now() - started < 5000, 'exited soon after the grace period');
});
