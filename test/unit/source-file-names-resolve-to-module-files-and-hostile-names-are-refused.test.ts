// src/source: which module file a profile's file name is (module cache, -trimpath,
// standard library by Go version, main module by its declared version), and the
// module path/version/file rules of golang.org/x/mod/module that keep a crafted
// profile from walking a path or leaving the module proxy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locateSource, parseGoVersion, parseModuleVersion, zipPath, type SourceHints } from '../../src/source/locate.ts';
import { readPodOptions } from '../../src/annotations.ts';
import { escapePath, filePathProblem, modulePathProblem, unescapePath, versionProblem } from '../../src/source/module.ts';

const ref = (file: string, fn = '', hints: SourceHints = {}) => {
  const l = locateSource(file, fn, hints);
  return l.ok ? `${l.ref.kind} ${l.ref.module}@${l.ref.version} ${l.ref.file}` : `${l.why}: ${l.reason}`;
};

test('a module cache path under any GOPATH names its module, version and file, unescaped', () => {
  assert.equal(
    ref('/root/go/pkg/mod/github.com/cespare/xxhash/v2@v2.3.0/xxhash.go'),
    'module github.com/cespare/xxhash/v2@v2.3.0 xxhash.go',
  );
  assert.equal(
    ref('/home/ci/gopath/pkg/mod/github.com/!burnt!sushi/toml@v1.5.0/internal/tz.go'),
    'module github.com/BurntSushi/toml@v1.5.0 internal/tz.go',
  );
  assert.equal(ref('/go/pkg/mod/golang.org/x/text@v0.3.8-0.20211004/unicode/norm/x.go').startsWith('module golang.org/x/text'), true);
});

test('a -trimpath name (module@version/file) resolves the same, upper case as written', () => {
  assert.equal(ref('github.com/BurntSushi/toml@v1.5.0/decode.go'), 'module github.com/BurntSushi/toml@v1.5.0 decode.go');
  assert.equal(ref('github.com/!burnt!sushi/toml@v1.5.0/decode.go'), 'module github.com/BurntSushi/toml@v1.5.0 decode.go');
});

test('the standard library resolves to the toolchain module at the pod’s Go version, and says so when it is unknown', () => {
  const go = { goVersion: 'go1.22.3' };
  assert.equal(
    ref('/usr/local/go/src/net/http/server.go', '', go),
    'std golang.org/toolchain@v0.0.1-go1.22.3.linux-amd64 src/net/http/server.go',
  );
  assert.equal(
    ref('/opt/sdk/go1.22.3/src/runtime/proc.go', '', go),
    'std golang.org/toolchain@v0.0.1-go1.22.3.linux-amd64 src/runtime/proc.go',
  );
  assert.equal(ref('net/http/server.go', '', go), 'std golang.org/toolchain@v0.0.1-go1.22.3.linux-amd64 src/net/http/server.go');
  assert.match(ref('/usr/local/go/src/runtime/proc.go'), /^unknown: .*Go version is unknown \(podprof\.io\/go-version\)/);
  assert.match(ref('runtime/proc.go', '', { goVersion: 'go1.20.5' }), /from Go 1\.21\.0 on/);
  assert.deepEqual(parseGoVersion('1.23.4'), { ok: true, version: 'go1.23.4' });
  assert.equal(parseGoVersion('go1.22rc1').ok, true);
  for (const bad of ['go1.22.3/../../x', 'go1.22.3?x', 'devel', 'go1.22.03', 'go1.21']) assert.equal(parseGoVersion(bad).ok, false, bad);
});

test('the main module resolves by the version the pod declares: -trimpath names, or absolute names by the function’s package', () => {
  const mainModule = { path: 'github.com/acme/svc', version: 'v1.4.0' };
  assert.equal(ref('github.com/acme/svc/internal/db/query.go', '', { mainModule }), 'main github.com/acme/svc@v1.4.0 internal/db/query.go');
  assert.equal(
    ref('/build/internal/db/query.go', 'github.com/acme/svc/internal/db.(*Conn).Query', { mainModule }),
    'main github.com/acme/svc@v1.4.0 internal/db/query.go',
  );
  assert.match(ref('/build/main.go', 'main.main', { mainModule }), /package main's folder .* -trimpath/);
  assert.match(ref('/build/internal/db/query.go', 'github.com/acme/svc/internal/db.Query'), /^unknown: .*podprof\.io\/main-module/);
  assert.deepEqual(parseModuleVersion('github.com/acme/svc@v1.4.0'), { ok: true, mv: mainModule });
  assert.equal(parseModuleVersion('github.com/acme/svc').ok, false);
  assert.equal(parseModuleVersion('github.com/acme/svc@latest').ok, false);
});

test('hostile file names are refused before any URL is built: traversal, other hosts, queries, bad escapes, bad versions', () => {
  const hostile = [
    '/root/go/pkg/mod/github.com/x/y@v1.0.0/../../../../etc/passwd',
    '/root/go/pkg/mod/../../../etc/passwd@v1.0.0/x.go',
    'github.com/x/y@v1.0.0/a/./b.go',
    'github.com/x/../../y@v1.0.0/z.go',
    'evil.com:8080/x@v1.0.0/z.go',
    'github.com/x/y@v1.0.0?x=1/z.go',
    'github.com/x/y@v1.0.0#frag/z.go',
    'github.com/x/y@v1.0.0/z.go?q',
    'github.com/x/y%2f..@v1.0.0/z.go',
    '/go/pkg/mod/github.com/X/y@v1.0.0/z.go',
    '/go/pkg/mod/github.com/!x!/y@v1.0.0/z.go',
    'github.com/x/y@v1.0/z.go',
    'github.com/x/y@V1.0.0/z.go',
    'github.com/x/y@v2.0.0/z.go',
    'github.com/x/y/v2@v1.0.0/z.go',
    'Github.com/x/y@v1.0.0/z.go',
    '-x.com/y@v1.0.0/z.go',
    'github.com/x/.y@v1.0.0/z.go',
    'github.com/x/con@v1.0.0/z.go',
    'github.com/x/y@v1.0.0/a\\..\\b.go',
    'github.com/x/y@v1.0.0/a\u0000b.go',
    'github.com/x/y@v1.0.0//z.go',
    'user@evil.com/x@v1.0.0/z.go',
  ];
  for (const h of hostile) {
    const l = locateSource(h, '', { goVersion: 'go1.22.3' });
    assert.equal(l.ok, false, `${JSON.stringify(h)} was accepted`);
  }
  assert.match(modulePathProblem('github.com/a/../b') ?? '', /invalid path element/);
  assert.match(modulePathProblem('localhost/x') ?? '', /missing dot/);
  assert.match(modulePathProblem('git hub.com/x') ?? '', /invalid char/);
  assert.match(modulePathProblem('github.com/x/y~1') ?? '', /tilde/);
  assert.equal(modulePathProblem('gopkg.in/yaml.v3'), undefined);
  assert.equal(versionProblem('gopkg.in/yaml.v3', 'v3.0.1'), undefined);
  assert.match(versionProblem('gopkg.in/yaml.v3', 'v2.0.1') ?? '', /should be v3/);
  assert.equal(versionProblem('github.com/x/y', 'v2.0.0+incompatible'), undefined);
  assert.equal(versionProblem('github.com/x/y', 'v0.0.0-20250531010427-b6e5de432a8b'), undefined);
  assert.match(filePathProblem('a/../b.go') ?? '', /invalid path element/);
  assert.match(filePathProblem('a/b.go"') ?? '', /invalid char/);
  assert.equal(filePathProblem('internal/a b/c.go'), undefined);
});

test('escaping is the module cache’s, both ways, and the zip URL path holds nothing but the escaped module and version', () => {
  assert.equal(escapePath('github.com/BurntSushi/toml'), 'github.com/!burnt!sushi/toml');
  assert.equal(unescapePath('github.com/!burnt!sushi/toml'), 'github.com/BurntSushi/toml');
  assert.equal(unescapePath('github.com/!Burnt'), undefined);
  assert.equal(unescapePath('github.com/!1'), undefined);
  assert.equal(unescapePath('x!'), undefined);
  assert.equal(zipPath('github.com/BurntSushi/toml', 'v1.5.0'), 'github.com/!burnt!sushi/toml/@v/v1.5.0.zip');
  assert.equal(zipPath('golang.org/toolchain', 'v0.0.1-go1.22.3.linux-amd64'), 'golang.org/toolchain/@v/v0.0.1-go1.22.3.linux-amd64.zip');
});

test('podprof.io/go-version and podprof.io/main-module are read from the pod, and bad values are problems naming the key', () => {
  const pod = (annotations: Record<string, string>) => ({
    metadata: { name: 'p', namespace: 'n', annotations },
    spec: { containers: [{ name: 'app' }] },
  });
  const good = readPodOptions(pod({ 'podprof.io/go-version': 'go1.22.3', 'podprof.io/main-module': 'github.com/acme/svc@v1.4.0' }));
  assert.equal(good.options.goVersion, 'go1.22.3');
  assert.deepEqual(good.options.mainModule, { path: 'github.com/acme/svc', version: 'v1.4.0' });
  assert.deepEqual(good.problems, []);
  const bad = readPodOptions(pod({ 'podprof.io/go-version': 'go1.22.3/../x', 'podprof.io/main-module': 'github.com/acme/../svc@v1.4.0' }));
  assert.equal(bad.options.goVersion, undefined);
  assert.equal(bad.options.mainModule, undefined);
  assert.deepEqual(
    bad.problems.map((p) => p.key),
    ['podprof.io/go-version', 'podprof.io/main-module'],
  );
});
