// The pod list marks each pod "app answering" or "app not answering": a real
// Go app SIGKILLed behind its sidecar turns its pod's marker to "app not
// answering" with the sidecar's reason beside it, while the list is open (it
// refreshes), the pod stays "ready" and its neighbour stays "app answering".
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGoTarget, type GoTarget } from '../../demo/go-target.ts';
import { ensureUiBuilt, launch, login, screenshot, type Session, until } from '../kit/browser/browser.ts';
import { useHarness } from '../kit/product/gateway.ts';

const apps: GoTarget[] = [];
const harness = useHarness({
  pods: 2,
  app: async () => {
    const app = await startGoTarget({ args: ['-cpu-workers', '1'] });
    apps.push(app);
    return app;
  },
});
let s: Session;

before(async () => {
  ensureUiBuilt();
  s = await launch();
});
after(async () => {
  await s?.close();
});

const marker = (pod: string): string => `document.querySelector('tr[data-row="${pod}"] .flag.upstream')?.dataset.upstream`;

test("a pod whose app was killed reads 'app not answering' with the reason, while it stays ready", async () => {
  const page = s.page;
  const h = harness();
  await login(page, h.url, h.token);
  await page.goto(`${h.url}/pods`);
  await until(page, `${marker('web-0')} === 'answering' && ${marker('web-1')} === 'answering'`, 60_000);
  assert.equal(await page.textContent('tr[data-row="web-0"] .flag.upstream'), 'app answering');

  process.kill(apps.find((a) => a.url === h.pods[0]!.app.url)!.pid, 'SIGKILL');
  await until(page, `${marker('web-0')} === 'not answering'`, 90_000);
  assert.equal(await page.textContent('tr[data-row="web-0"] .flag.upstream'), 'app not answering');
  assert.match((await page.textContent('tr[data-row="web-0"] .upstream-detail')) ?? '', /ECONNREFUSED/);
  assert.match((await page.getAttribute('tr[data-row="web-0"] .flag.upstream', 'title')) ?? '', /ECONNREFUSED.*\(checked /);
  assert.equal(await page.evaluate<string | undefined>(marker('web-1')), 'answering');
  assert.equal(await page.textContent('tr[data-row="web-0"] .flag.ok'), 'ready', 'the pod is still ready');
  await screenshot(page, 'pods-app-not-answering');
  assert.deepEqual(s.pageErrors, []);
});
