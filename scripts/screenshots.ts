// `npm run screenshots`: the README's screenshots (docs/screenshots/*.png),
// taken by the browser tests that check those views (each saves its shots in
// test-artifacts/ui), then copied under their docs names. A failing test
// copies nothing: the pictures show only what the tests checked.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, ROOT } from '../test/kit/browser/browser.ts';

/** docs/screenshots name ← test-artifacts/ui name, by the test that takes it. */
const SHOTS: Record<string, Record<string, string>> = {
  'test/browser/ui-reads-long-module-paths-and-keeps-zoom-labels-and-graph-in-view.test.ts': {
    'ui-flame': 'flame-short-names',
    'ui-graph': 'graph-fitted',
    'ui-labels-breakdown': 'labels-breakdown',
  },
  'test/browser/ui-renders-hostile-profile-names-as-text.test.ts': { 'ui-hostile-top': 'hostile-top' },
  'test/browser/ui-analyses-a-workloads-trace.test.ts': {
    'ui-trace-goroutines': 'ui-trace-goroutines',
    'ui-trace-blocking-flame': 'ui-trace-blocking-flame',
    'ui-trace-timeline': 'ui-trace-timeline',
    'ui-trace-pods-side-by-side': 'ui-trace-pods-side-by-side',
  },
  'test/browser/ui-shows-two-captures-side-by-side-zoomed-and-searched-together.test.ts': {
    'ui-compare-side-by-side': 'compare-side-by-side',
  },
  'test/browser/ui-opens-a-local-profile-in-the-browser-only-and-stores-it-on-request.test.ts': { 'ui-local-file': 'local-file' },
  'test/browser/ui-analyses-any-stored-trace.test.ts': { 'ui-trace-tasks': 'trace-tasks', 'ui-trace-mmu': 'trace-mmu' },
  'test/browser/ui-shows-goroutine-dumps-grouped-by-state-and-stack.test.ts': {
    'ui-goroutine-dump': 'goroutine-dump',
    'ui-goroutine-dump-workload': 'goroutine-dump-workload',
  },
};

const only = process.argv.slice(2);
const files = Object.keys(SHOTS).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (run.status !== 0) {
  console.error('screenshots: a test failed; docs/screenshots left as they were');
  process.exit(1);
}
for (const f of files)
  for (const [doc, artifact] of Object.entries(SHOTS[f]!)) {
    const from = join(ARTIFACTS, `${artifact}.png`);
    if (!existsSync(from)) throw new Error(`${f} saved no ${artifact}.png`);
    copyFileSync(from, join(ROOT, 'docs/screenshots', `${doc}.png`));
    console.log(`docs/screenshots/${doc}.png ← ${f}`);
  }
