// The Source view on a real Go program's CPU profile whose time goes into a
// dependency (test/fixtures/srcdep: github.com/cespare/xxhash/v2 v2.3.0): the
// gateway fetches that file through the Go module proxy protocol (--goproxy: a
// loopback proxy serving this machine's module download cache, the zips
// proxy.golang.org served it, so no network flake) and the view shows its code
// with flat and cum on the sampled lines, the numbers the analysis core gives.
// A file no module names keeps the flat/cum list and says why there is no code (resolved in
// the page with what the pods declare, GET …/build, so it is never asked for);
// every file's table has the same column widths.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { percentage, selectOutputUnit, valueFormatter } from '../../src/analysis/format.ts';
import { fromPprof } from '../../src/analysis/from-pprof.ts';
import { sourceLines, type SourceFile } from '../../src/analysis/lines.ts';
import { prepare } from '../../src/analysis/prepare.ts';
import { decodeProfile } from '../../src/profile/decode.ts';
import { nodeGunzip } from '../../src/profile/node-gunzip.ts';
import { GO } from '../../demo/go-build.ts';
import { ensureUiBuilt, launch, login, screenshot, type Session } from '../kit/browser/browser.ts';
import { seedCapture } from '../kit/browser/seeded-capture.ts';
import { inModuleCache, startModuleProxy, type ModuleProxy } from '../kit/net/module-proxy.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';

const execFileP = promisify(execFile);
const FIXTURE = new URL('../fixtures/srcdep/', import.meta.url).pathname;

let dir: string;
let proxy: ModuleProxy;
let h: Harness;
let s: Session;
let id: string;
let dep: SourceFile;
let fmt: (v: number) => string;
let total: number;

/** Builds and runs the fixture offline (the dependency comes from the module cache); its CPU profile. */
async function profileTheFixture(): Promise<Buffer> {
  await inModuleCache('github.com/cespare/xxhash/v2', 'v2.3.0');
  dir = mkdtempSync(join(tmpdir(), 'podprof-srcdep-'));
  cpSync(FIXTURE, dir, { recursive: true });
  const env = { ...process.env, GOPROXY: 'off', GOSUMDB: 'off', GOFLAGS: '-mod=mod' };
  await execFileP(GO, ['build', '-tags', 'purego', '-o', join(dir, 'srcdep'), '.'], { cwd: dir, env });
  await execFileP(join(dir, 'srcdep'), [join(dir, 'cpu.pb.gz')], { cwd: dir });
  return readFileSync(join(dir, 'cpu.pb.gz'));
}

before(async () => {
  ensureUiBuilt();
  const bytes = await profileTheFixture();
  const prepared = prepare(fromPprof(await decodeProfile(bytes, nodeGunzip())));
  const files = sourceLines(prepared);
  dep = files.find((f) => /\/pkg\/mod\/github\.com\/cespare\/xxhash\/v2@v2\.3\.0\/xxhash(_other)?\.go$/.test(f.file) && f.flat > 0)!;
  assert.ok(dep, `a sampled xxhash file among ${files.map((f) => f.file).join(', ')}`);
  total = prepared.total;
  fmt = valueFormatter(
    prepared.sampleType.unit,
    selectOutputUnit(
      files.flatMap((f) => f.lines),
      total,
      prepared.sampleType.unit,
    ),
  );
  proxy = await startModuleProxy();
  h = await startHarness({ pods: 1, gatewayArgs: ['--goproxy', proxy.url] });
  id = await seedCapture(h, bytes);
  s = await launch();
  await login(s.page, h.url, h.token);
});
after(async () => {
  await s?.close();
  await h?.close();
  await proxy?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a dependency frame’s file shows its code from the module proxy with flat and cum on the sampled lines', async () => {
  const page = s.page;
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`${h.url}/captures/${id}/source`);
  const block = page.locator(`#source-list details.source-file[data-file="${dep.file}"]`);
  await block.locator('table.with-code').waitFor({ timeout: 30_000 });
  assert.equal(await block.getAttribute('data-source'), 'code');
  assert.match((await block.locator('summary').textContent()) ?? '', /github\.com\/cespare\/xxhash\/v2@v2\.3\.0/);
  const code = (await block.locator('td.code').allTextContents()).join('\n');
  const hottest = [...dep.lines].sort((a, b) => b.flat - a.flat)[0]!;
  const row = block.locator(`tr[data-line="${dep.file}:${hottest.line}"]`);
  const cells = await row.locator('td').allTextContents();
  // line | flat | cum | cum% | code: the analysis core's numbers, and the line of the real file.
  assert.equal(cells[0], String(hottest.line));
  const sameLine = dep.lines.filter((l) => l.line === hottest.line);
  const flat = sameLine.reduce((a, l) => a + l.flat, 0);
  const cum = sameLine.reduce((a, l) => a + l.cum, 0);
  assert.equal(cells[1], fmt(flat));
  assert.equal(cells[2], fmt(cum));
  assert.equal(cells[3], percentage(cum, total));
  const real = readFileSync(
    join(process.env.HOME ?? '/root', 'go/pkg/mod/github.com/cespare/xxhash/v2@v2.3.0', dep.file.split('/').pop()!),
    'utf8',
  );
  assert.equal(cells[4], real.split('\n')[hottest.line - 1]);
  assert.match(code, dep.file.endsWith('xxhash.go') ? /func round\(acc, input uint64\) uint64 \{/ : /func Sum64\(b \[\]byte\) uint64 \{/);
  // Only the sampled functions' lines and a few around: not the whole file.
  assert.ok((await block.locator('td.code').count()) < real.split('\n').length);
  await screenshot(page, 'source-code');
});

test('a file no module names keeps the flat/cum list and says why; every table’s columns line up', async () => {
  const page = s.page;
  const none = page.locator('#source-list details.source-file[data-source="none"]').first();
  await none.waitFor({ timeout: 30_000 });
  assert.match(
    (await none.locator('.source-status').textContent()) ?? '',
    /no source: .*(Go version is unknown \(podprof\.io\/go-version\)|podprof\.io\/main-module)/,
  );
  assert.ok((await none.locator('table.lines-only tbody tr').count()) > 0);
  const lefts = await page.evaluate<number[][]>(
    `[...document.querySelectorAll('#source-list table.source-table')].map((t) => [...t.querySelectorAll('thead th')].slice(0, 5).map((th) => Math.round(th.getBoundingClientRect().left)))`,
  );
  assert.ok(lefts.length >= 2, `${lefts.length} tables`);
  for (const l of lefts) assert.deepEqual(l, lefts[0], 'the columns of every file start at the same x');
  assert.deepEqual(s.pageErrors, []);
  // Files no module names were resolved in the page and never asked for: no 404 in the console.
  assert.deepEqual(
    s.consoleErrors.filter((e) => !/status of 401/.test(e)), // the sign-in page's session check
    [],
  );
});
