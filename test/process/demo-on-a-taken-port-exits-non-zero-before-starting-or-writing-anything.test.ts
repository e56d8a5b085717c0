// `podprof demo --port P` with P taken: the demo checks the port before it
// writes a file or starts an app, says which port and what to do, and exits
// non-zero within seconds, with no child left behind. (Taken between the check
// and the gateway's listen, the same error stops the apps and sidecars already
// started: demo/demo.ts stopAll.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';
import { buildGoTarget } from '../../demo/go-target.ts';
import { NODE, REPO } from '../kit/product/sidecar.ts';

interface Proc {
  pid: number;
  pgid: number;
  state: string;
  cmdline: string;
}

/** Every process in /proc that is not a zombie. */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
      const [state = '', , pgrp = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (state !== 'Z') out.push({ pid: Number(name), pgid: Number(pgrp), state, cmdline });
    } catch {
      // gone between readdir and read
    }
  }
  return out;
}

test(
  'podprof demo on a taken --port exits non-zero naming the port, before writing its folder or starting an app',
  { timeout: 120_000 },
  async (t) => {
    assert.ok(existsSync(join(REPO, 'dist/podprof.js')), 'dist/ is missing: run `npm run build` first');
    // The demo's Go app, copied into a cache of its own: its path then names this demo's apps only.
    const built = await buildGoTarget();
    const cache = mkdtempSync(join(tmpdir(), 'podprof-demo-cache-'));
    const demoDir = mkdtempSync(join(tmpdir(), 'podprof-demo-busy-'));
    const appDir = join(cache, 'fixtures', basename(dirname(built)));
    mkdirSync(appDir, { recursive: true });
    copyFileSync(built, join(appDir, 'target'));
    const appBin = join(appDir, 'target');

    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;

    // Its own process group, so the group can be checked (and killed) as a whole.
    const demo = spawn(NODE, [join(REPO, 'bin/podprof.mjs'), 'demo', '--port', String(port), '--pods', '2', '--dir', demoDir], {
      env: { ...process.env, PODPROF_DEMO_TARGET: 'go', PODPROF_CACHE_DIR: cache, NODE_TEST_CONTEXT: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pgid = demo.pid!;
    const ours = (p: Proc): boolean => p.pgid === pgid || p.cmdline.includes(appBin);
    const seen = new Set<number>();
    t.after(() => {
      for (const p of processes().filter(ours)) process.kill(p.pid, 'SIGKILL');
      busy.close();
      rmSync(cache, { recursive: true, force: true });
      rmSync(demoDir, { recursive: true, force: true });
    });
    let stderr = '';
    demo.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    demo.stdout.resume();
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));

    const started = performance.now();
    const poll = setInterval(() => {
      for (const p of processes()) if (p.cmdline.includes(appBin)) seen.add(p.pid);
    }, 20);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 20_000)))]);
    clearTimeout(timer);
    clearInterval(poll);
    const ms = performance.now() - started;

    assert.notEqual(code, 'hung', `the demo did not exit within 20 s; stderr: ${stderr}`);
    assert.ok(ms < 15_000, `exited after ${Math.round(ms)} ms`);
    assert.ok(typeof code === 'number' && code !== 0, `exit code ${String(code)}`);
    assert.match(stderr, new RegExp(`127\\.0\\.0\\.1:${port}\\b`), 'stderr names the taken port');
    assert.match(stderr, /already in use/);
    assert.match(stderr, /--port 0 picks a free one/);
    assert.equal(seen.size, 0, `no app was started: the port is checked first (pids ${[...seen].join(', ')})`);
    for (const f of ['tokens.csv', 'targets.json', 'signing-key.pem', 'ca.crt', 'demo.lock'])
      assert.equal(existsSync(join(demoDir, f)), false, `${f} was written`);
    const left = processes().filter(ours);
    assert.deepEqual(left, [], `still running after the demo exited (app pids seen: ${[...seen].join(', ')})`);
  },
);
