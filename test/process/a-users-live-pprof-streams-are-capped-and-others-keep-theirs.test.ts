// --max-streams-per-user: one identity's live pprof requests through the
// gateway are capped (429 past the share, naming the flag), another identity
// is unaffected meanwhile, and the share comes back when the streams end.
// The default (1,024) is sized for continuous profiling: a scraper's CPU
// scrape holds its stream for seconds = interval − 1, so one ServiceAccount
// scraping N pods holds ~N streams at once (bench/scrape).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GATEWAY_FLAGS } from '../../gateway/config.ts';
import { startHarness, type Harness } from '../kit/product/gateway.ts';
import { bearer, httpsRequest, type Reply } from '../kit/net/http.ts';

let h: Harness | undefined;
const harness = (): Harness => h!;
const SCRAPER = `scraper-token-${'s'.repeat(24)}`;
const OTHER = `other-token-${'o'.repeat(24)}`;

before(async () => {
  h = await startHarness({ pods: 3, gatewayArgs: ['--max-streams-per-user', '2'] });
  writeFileSync(
    join(harness().dir, 'tokens.csv'),
    `${harness().token},alice@example.com,devs\n${SCRAPER},system:serviceaccount:monitoring:alloy,scrapers\n${OTHER},bob,devs\n`,
    { mode: 0o600 },
  );
});
after(() => h?.close());

const get = (token: string, pod: string, path: string): Promise<Reply> =>
  httpsRequest(`${harness().url}/api/v1/namespaces/team-a/pods/${pod}/debug/pprof/${path}`, { headers: bearer(token) });

test("past its share an identity's next stream is a 429 naming the flag; another identity streams meanwhile; the share comes back", async () => {
  const held = [get(SCRAPER, 'web-0', 'profile?seconds=3'), get(SCRAPER, 'web-1', 'profile?seconds=3')];
  await new Promise((r) => setTimeout(r, 700));
  const third = await get(SCRAPER, 'web-2', 'heap');
  assert.equal(third.status, 429, third.text);
  assert.match(third.text, /PODPROF_THROTTLED: .*2 pprof requests running through the gateway \(--max-streams-per-user\)/);
  const other = await get(OTHER, 'web-2', 'heap');
  assert.equal(other.status, 200, other.text);
  assert.deepEqual(
    (await Promise.all(held)).map((r) => r.status),
    [200, 200],
  );
  const again = await get(SCRAPER, 'web-2', 'heap');
  assert.equal(again.status, 200, again.text);
});

test('by default one identity may hold a stream per pod of a fleet one gateway carries (1,024), a quarter of --max-connections', () => {
  const streams = GATEWAY_FLAGS['max-streams-per-user'].default;
  assert.equal(streams, 1024);
  assert.equal(streams * 4, GATEWAY_FLAGS['max-connections'].default);
  assert.equal(GATEWAY_FLAGS['max-connections-per-address'].default, streams, 'and one scraper host a connection per stream');
});
