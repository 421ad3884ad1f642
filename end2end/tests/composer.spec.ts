import type { CDPSession, Page } from '@playwright/test';
import {
  test,
  expect,
  DEMO,
  assistantMessages,
  holdWasm,
  sendMessage,
  openChat,
  userMessages,
} from './support/fixtures';

/** 1.6 Mbit/s down with 150 ms of latency, as on a slow mobile link. */
const SLOW_LINK = {
  offline: false,
  latency: 150,
  downloadThroughput: 1_600_000 / 8,
  uploadThroughput: 750_000 / 8,
};

/**
 * Opens the app on a throttled link whose WASM bundle arrives only when
 * the returned function is called: until then the user has the server's
 * page, not the app. Calling it lifts the throttling too.
 */
async function openOnSlowLink(page: Page): Promise<() => Promise<void>> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', SLOW_LINK);
  const release = await holdWasm(page);
  await page.goto('/', { waitUntil: 'domcontentloaded' });
  return async () => {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    release();
  };
}

test('a message typed and sent before the app is ready is kept, then sent once it is', async ({ page }) => {
  const ready = await openOnSlowLink(page);
  const input = page.getByTestId('composer-input');
  await input.click();
  await input.pressSequentially('typed early');
  await input.press('Enter');
  // Still the server's page: Enter neither added a line nor lost the text.
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  await expect(input).toHaveValue('typed early');
  await expect(userMessages(page)).toHaveCount(0);

  await ready();
  await expect(userMessages(page)).toHaveCount(1, { timeout: 30_000 });
  await expect(userMessages(page).first()).toContainText('typed early');
  await expect(input).toHaveValue('');
  await expect(assistantMessages(page).last()).toHaveAttribute('data-streaming', 'false', {
    timeout: DEMO.replyTimeout,
  });
  await expect(assistantMessages(page)).toHaveCount(1);
});

test('text typed before the app is ready stays in the composer, unsent, until the user sends it', async ({
  page,
}) => {
  const ready = await openOnSlowLink(page);
  const input = page.getByTestId('composer-input');
  await input.click();
  await input.pressSequentially('a draft');
  await ready();
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
  await expect(page.getByTestId('connection-status')).toBeHidden({ timeout: 15_000 });
  await expect(input).toHaveValue('a draft');
  await expect(page.getByTestId('composer-hint')).not.toContainText('Connecting');
  await expect(userMessages(page)).toHaveCount(0);

  await input.press('Enter');
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('a draft');
});

test('a short user message is one line in a bubble as wide as its text; a long one stops at the cap', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openChat(page);
  const bubble = (i: number) => userMessages(page).nth(i).locator('.message-content > .markdown');
  const lines = (i: number) =>
    // The line boxes of the bubble's text (not of its elements' boxes).
    bubble(i).evaluate((el) => {
      const tops = new Set<number>();
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const rect of Array.from(range.getClientRects())) tops.add(Math.round(rect.top));
      }
      return tops.size;
    });

  await sendMessage(page, 'hello there');
  expect(await lines(0)).toBe(1);

  await sendMessage(page, 'word '.repeat(80).trim());
  expect(await lines(1)).toBeGreaterThan(1);
  const box = await userMessages(page).nth(1).locator('.message-content').boundingBox();
  expect(box?.width ?? 0).toBeLessThanOrEqual(600);
  expect(box?.width ?? 0).toBeGreaterThan(400);
});
