// The browser kit's answer to ERR_NETWORK_CHANGED: Chromium drops its requests in flight, loopback ones too, when a
// test node elsewhere in the run changes the machine's interfaces (seen once in CI, on a first page.goto). A veth
// pair with an address did not cause it when tried, so a page whose goto fails on cue stands in for Chromium here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { retryNavigationOnNetworkChange } from '../kit/browser/browser.ts';

function pageFailing(...errors: string[]): { page: Page; calls: () => number } {
  let calls = 0;
  const page = {
    goto: (url: string): Promise<string> => {
      const err = errors[calls++];
      return err === undefined ? Promise.resolve(`loaded ${url}`) : Promise.reject(new Error(err));
    },
  };
  return { page: page as unknown as Page, calls: () => calls };
}

const CHANGED = 'page.goto: net::ERR_NETWORK_CHANGED at https://127.0.0.1:44701/';

test('a navigation dropped on a network change is sent again and loads', async () => {
  const { page, calls } = pageFailing(CHANGED, CHANGED);
  retryNavigationOnNetworkChange(page);
  assert.equal(await page.goto('https://127.0.0.1:1/'), 'loaded https://127.0.0.1:1/');
  assert.equal(calls(), 3);
});

test('a third network change in a row, or any other failure, fails the navigation at once', async () => {
  const changing = pageFailing(CHANGED, CHANGED, CHANGED);
  retryNavigationOnNetworkChange(changing.page);
  await assert.rejects(changing.page.goto('https://127.0.0.1:1/'), /ERR_NETWORK_CHANGED/);
  assert.equal(changing.calls(), 3);
  const refused = pageFailing('page.goto: net::ERR_CONNECTION_REFUSED at https://127.0.0.1:1/');
  retryNavigationOnNetworkChange(refused.page);
  await assert.rejects(refused.page.goto('https://127.0.0.1:1/'), /ERR_CONNECTION_REFUSED/);
  assert.equal(refused.calls(), 1);
});
