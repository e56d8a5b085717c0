// Whatever the webhook accepts (pod annotations, its own flags), the sidecar it
// injects must accept too: otherwise the pod is admitted and then crash-loops,
// which is worse than a clear denial at admission or a webhook that refuses to start.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseFlags } from '../../src/config/flags.ts';
import type { Pod } from '../../src/k8s/types.ts';
import { WEBHOOK_FLAGS, webhookConfigProblems } from '../../webhook/config.ts';
import { decideAdmission } from '../../webhook/review.ts';
import { loadSettings } from '../../webhook/server.ts';
import type { InjectSettings } from '../../webhook/settings.ts';
import { patched, requestFor, SETTINGS, SIDECAR_IMAGE, sidecarsOf, sidecarStartProblems, writeJwksFile } from '../kit/product/webhook.ts';

function pod(annotations: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'app-', namespace: 'team-a', annotations: { 'podprof.io/inject': 'true', ...annotations } },
    spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1.0.0' }] },
  };
}

/** Denied at admission, or injected with a sidecar that starts: never admitted-then-crashing. */
function assertDeniedOrStarts(p: Pod, settings: InjectSettings = SETTINGS): void {
  const d = decideAdmission(requestFor(p), settings, false);
  if (d.outcome === 'denied') return;
  assert.equal(d.outcome, 'injected', d.reason);
  const [sidecar] = sidecarsOf(patched(p, d));
  assert.deepEqual(sidecarStartProblems(sidecar!, p, 'team-a'), [], `injected args: ${sidecar!.args?.join(' ')}`);
}

for (const [what, annotations] of [
  ['the default path', {}],
  ['a path with a trailing slash', { 'podprof.io/path': '/debug/pprof/' }],
  ['a nested path', { 'podprof.io/path': '/internal/v1.2/debug_pprof' }],
  ['the root path "/"', { 'podprof.io/path': '/' }],
  ['only slashes', { 'podprof.io/path': '///' }],
  ['port 1', { 'podprof.io/port': '1' }],
  ['port 65535', { 'podprof.io/port': '65535' }],
  ['a port with leading zeros', { 'podprof.io/port': '08080' }],
  ['one profile type', { 'podprof.io/profiles': 'heap' }],
  ['cmdline allowed', { 'podprof.io/profiles': 'cmdline,heap' }],
  ['max-seconds 1', { 'podprof.io/max-seconds': '1' }],
  ['max-seconds 3600', { 'podprof.io/max-seconds': '3600' }],
  ['a flight recorder', { 'podprof.io/flight-recorder': '/debug/flightrecorder' }],
  ['a flight recorder at "/"', { 'podprof.io/flight-recorder': '/' }],
  ['a flight recorder with a dot segment', { 'podprof.io/flight-recorder': '/debug/../flight' }],
] as const) {
  test(`pod annotation ${what}: denied, or the injected sidecar starts`, () => assertDeniedOrStarts(pod(annotations)));
}

test('webhook flags: --gateway-ca-file without --gateway-url is refused at start, or the injected sidecar starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podprof-ca-'));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const config = parseFlags(WEBHOOK_FLAGS, ['--sidecar-image', SIDECAR_IMAGE, '--jwks-file', writeJwksFile(), '--gateway-ca-file', ca], {});
  if (webhookConfigProblems(config).length > 0) return;
  assertDeniedOrStarts(pod({}), loadSettings(config));
});

test('webhook flags: every accepted combination of key sources injects a sidecar that starts', () => {
  const jwksFile = writeJwksFile();
  for (const args of [
    ['--jwks-file', jwksFile],
    ['--gateway-url', 'https://gw.example:8443/'],
    ['--jwks-file', jwksFile, '--gateway-url', 'https://gw.example:8443'],
  ]) {
    const config = parseFlags(WEBHOOK_FLAGS, ['--sidecar-image', SIDECAR_IMAGE, ...args], {});
    assert.deepEqual(webhookConfigProblems(config), []);
    assertDeniedOrStarts(pod({}), loadSettings(config));
  }
});

test('podprof.io/flight-recorder reaches the sidecar as --flight-recorder-path; a bad one is denied naming the key', () => {
  const ok = pod({ 'podprof.io/flight-recorder': '/debug/flightrecorder/' });
  const d = decideAdmission(requestFor(ok), SETTINGS, false);
  assert.equal(d.outcome, 'injected', d.reason);
  assert.ok(sidecarsOf(patched(ok, d))[0]!.args!.includes('--flight-recorder-path=/debug/flightrecorder'));
  const bad = decideAdmission(requestFor(pod({ 'podprof.io/flight-recorder': 'flight' })), SETTINGS, false);
  assert.equal(bad.outcome, 'denied');
  assert.match(bad.reason, /podprof\.io\/flight-recorder="flight" is invalid: want an absolute path like \/debug\/flightrecorder/);
});
