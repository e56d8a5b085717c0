import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, envName, helpText, parseFlags } from '../../src/config/flags.ts';
import { bytes, duration, listenAddress, loopbackHttpUrl, parseDuration, pathPrefix } from '../../src/config/values.ts';
import { SIDECAR_FLAGS } from '../../sidecar/config.ts';

const POD = ['--pod-namespace', 'a', '--pod-name', 'b', '--pod-uid', 'c'];

test('a bad configuration names every bad key in one error', () => {
  const err = (() => {
    try {
      parseFlags(
        SIDECAR_FLAGS,
        ['--listen', 'nope', '--max-seconds', '0', '--upstream', 'http://10.0.0.7:6060', '--profiles', 'heap,bogus', '--wat', '1'],
        {},
      );
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof ConfigError);
  const text = err.message;
  for (const key of [
    '--listen',
    '--max-seconds',
    '--upstream',
    '--profiles',
    '--wat: unknown flag',
    '--pod-namespace: required',
    '--pod-name: required',
    '--pod-uid: required',
  ]) {
    assert.ok(text.includes(key), `${key} named in:\n${text}`);
  }
  assert.equal(err.problems.length, 8);
});

test('every flag reads PODPROF_<FLAG_NAME>, the downward API env, and flags win over env', () => {
  const c = parseFlags(SIDECAR_FLAGS, ['--max-seconds', '20'], {
    PODPROF_MAX_SECONDS: '10',
    PODPROF_PATH_PREFIX: '/pp/',
    POD_NAMESPACE: 'ns',
    POD_NAME: 'n',
    POD_UID: 'u',
  });
  assert.equal(c['max-seconds'], 20);
  assert.equal(c['path-prefix'], '/pp');
  assert.equal(c['pod-namespace'], 'ns');
  assert.equal(envName('max-response-bytes'), 'PODPROF_MAX_RESPONSE_BYTES');
});

test('defaults apply and the config is frozen', () => {
  const c = parseFlags(SIDECAR_FLAGS, POD, {});
  assert.deepEqual(c.listen, { host: '', port: 8443 });
  assert.equal(c.upstream.href, 'http://127.0.0.1:6060/');
  assert.ok(!c.profiles.includes('cmdline'));
  assert.ok(Object.isFrozen(c));
});

test('--help lists every flag with its default and env var', () => {
  const text = helpText('sidecar', 'summary', SIDECAR_FLAGS);
  for (const name of Object.keys(SIDECAR_FLAGS)) assert.ok(text.includes(`--${name}\n`), name);
  assert.match(text, /--listen\n.*\(default :8443\)/);
  assert.match(text, /env: PODPROF_POD_UID, POD_UID/);
});

test('the upstream must be loopback http', () => {
  for (const ok of ['http://127.0.0.1:6060', 'http://127.0.0.9:1', 'http://localhost:6060', 'http://[::1]:6060'])
    assert.doesNotThrow(() => loopbackHttpUrl(ok), ok);
  for (const bad of [
    'http://10.0.0.1:6060',
    'https://127.0.0.1:6060',
    'http://0.0.0.0:6060',
    'http://127.0.0.1.nip.io:6060',
    'http://127.0.0.1:6060/debug',
    'nope',
  ]) {
    assert.throws(() => loopbackHttpUrl(bad), bad);
  }
});

test('durations, sizes, listen addresses and path prefixes parse strictly', () => {
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2'), 2000);
  assert.throws(() => parseDuration('1x'));
  assert.throws(() => duration(0, 1000)('2s'));
  assert.equal(bytes(0, 1e12)('64KiB'), 65536);
  assert.equal(bytes(0, 1e12)('100MB'), 100e6);
  assert.throws(() => bytes(0, 1e12)('12 parsecs'));
  assert.deepEqual(listenAddress(':8443'), { host: '', port: 8443 });
  assert.deepEqual(listenAddress('[::1]:80'), { host: '::1', port: 80 });
  assert.throws(() => listenAddress('example.com:80'));
  assert.throws(() => listenAddress(':99999'));
  assert.throws(() => pathPrefix('/debug/../pprof'));
  assert.throws(() => pathPrefix('debug'));
});
