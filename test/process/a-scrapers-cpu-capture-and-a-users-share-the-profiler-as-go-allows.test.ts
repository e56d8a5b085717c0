// A continuous scraper keeps the CPU profiler busy (Alloy asks seconds =
// interval − 1 every interval). Through the gateway: back-to-back scraper
// captures each succeed; a user's interactive CPU capture while the scraper
// holds the profiler gets a 429 with Retry-After that says who holds it and
// until when; an identical request (the same scraper asking twice) joins the
// running capture instead of failing.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startHarness, type Harness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';

let h: Harness | undefined;
const harness = (): Harness => h!;
const SCRAPER = `scraper-token-${'s'.repeat(24)}`;
const USER = `user-token-${'u'.repeat(24)}`;

before(async () => {
  h = await startHarness({ pods: 1 });
  writeFileSync(
    join(harness().dir, 'tokens.csv'),
    `${harness().token},alice@example.com,devs\n${SCRAPER},system:serviceaccount:monitoring:alloy,scrapers\n${USER},bob,devs\n`,
    { mode: 0o600 },
  );
});
after(() => h?.close());

const cpu = (token: string, seconds: number): Promise<Reply> =>
  httpsRequest(`${harness().url}/api/v1/namespaces/team-a/pods/web-0/debug/pprof/profile?seconds=${seconds}`, { headers: bearer(token) });

test('back-to-back scraper captures (seconds = interval − 1) each succeed', async () => {
  for (let i = 0; i < 2; i++) {
    const r = await cpu(SCRAPER, 2);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/octet-stream');
  }
});

test("a user's CPU capture while the scraper holds the profiler is a 429 saying when it frees up, never who holds it", async () => {
  const scraping = cpu(SCRAPER, 3);
  await new Promise((r) => setTimeout(r, 500));
  const user = await cpu(USER, 2);
  assert.equal(user.status, 429, user.text);
  assert.match(
    user.text,
    /^PODPROF_PROFILER_BUSY: the CPU profiler of this pod is busy with another 3s capture; it frees up in about \d+s/,
  );
  assert.doesNotMatch(user.text, /alloy|serviceaccount|started at/);
  assert.ok(Number(user.headers['retry-after']) >= 1 && Number(user.headers['retry-after']) <= 5, String(user.headers['retry-after']));
  const joined = await Promise.all([scraping, cpu(SCRAPER, 3)]);
  assert.deepEqual(
    joined.map((r) => r.status),
    [200, 200],
    'the same request joins the running capture',
  );
  assert.ok(joined[0].body.equals(joined[1].body), 'and gets the same bytes');
});
