import type { Page } from '@playwright/test';

import { test, expect } from './support/fixtures';
import { frameReady, hostPage, useEmbeddingRun, type HostSite } from './support/embedding';
import { LoquatServer } from './support/server';

// A product's page on another origin embeds the chat in an iframe and talks
// with it through window messages: the demo app says in the chat what the
// page posted and posts it back as {"echo": …}. Only the listed origin is
// heard and answered.

/** A page on its own origin (a port of its own) that frames `chatUrl()`
 *  and records every message it receives in `window.received`. */
function hostSite(chatUrl: () => string): Promise<HostSite> {
  return hostPage(
    () => `<title>Host</title>
<script>window.received = []; addEventListener('message', (e) => received.push({ origin: e.origin, data: e.data }));</script>
<iframe id="chat" src="${chatUrl()}/" style="width: 900px; height: 700px"></iframe>`,
  );
}

const run = useEmbeddingRun();

/** Posts `value` from the host page into the frame, to `targetOrigin`. */
async function postIntoFrame(page: Page, value: unknown, targetOrigin: string): Promise<void> {
  await page.evaluate(
    ([value, targetOrigin]) => {
      const frame = document.getElementById('chat') as HTMLIFrameElement;
      frame.contentWindow?.postMessage(value, targetOrigin as string);
    },
    [value, targetOrigin] as const,
  );
}

interface Received {
  origin: string;
  data: unknown;
}

function all(page: Page): Promise<Received[]> {
  return page.evaluate(() => (window as unknown as { received: Received[] }).received);
}

/** Loquat's own messages to the page (`loquat:ready`, `loquat:thread`). */
function isLoquats(message: Received): boolean {
  const type = (message.data as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type.startsWith('loquat:');
}

/** What the app posted (`chat.send_window_message`). */
async function received(page: Page): Promise<Received[]> {
  return (await all(page)).filter((message) => !isLoquats(message));
}

test('the embedding page and the app exchange window messages, with the listed origin only', async ({ page, browser }) => {
  const listed = await hostSite(() => run.app!.url);
  const other = await hostSite(() => run.app!.url);
  run.hosts.push(listed, other);
  const chat = await LoquatServer.start({
    env: {
      LOQUAT_DEMO_TOKENS_PER_SEC: '2000',
      // Both may frame the app; only the first may talk with it.
      LOQUAT_FRAME_ANCESTORS: `${listed.origin},${other.origin}`,
      LOQUAT_WINDOW_MESSAGE_ORIGINS: listed.origin,
    },
  });
  run.app = chat;

  // The listed page: its message reaches the app, and the answer comes back
  // from the app's origin.
  await page.goto(`${listed.origin}/`);
  const frame = page.frameLocator('#chat');
  await frameReady(frame);
  await postIntoFrame(page, { page: '/pricing', items: [1, 2] }, chat.url);
  const said = frame.locator('[data-testid="message"]').filter({ hasText: 'The page around the chat says' });
  await expect(said).toContainText('"page":"/pricing"');
  await expect(said).toContainText('"items":[1,2]');
  await expect.poll(() => received(page)).toEqual([{ origin: chat.url, data: { echo: { page: '/pricing', items: [1, 2] } } }]);
  // Loquat tells the listed page when the chat is connected.
  expect((await all(page)).filter(isLoquats)).toContainEqual({ origin: chat.url, data: { type: 'loquat:ready' } });

  // The other page may frame the app, but is not heard: its message is
  // dropped in the browser. A chat message sent after it is answered, and
  // runs are handled in order, so by then the dropped one would have shown.
  const otherPage = await browser.newPage();
  await otherPage.goto(`${other.origin}/`);
  const otherFrame = otherPage.frameLocator('#chat');
  await frameReady(otherFrame);
  await postIntoFrame(otherPage, { sneaky: true }, chat.url);
  const input = otherFrame.getByTestId('composer-input');
  await input.click();
  await input.pressSequentially('ping');
  await input.press('Enter');
  const reply = otherFrame.locator('[data-testid="message"][data-type="assistant_message"]').last();
  await expect(reply).toHaveAttribute('data-streaming', 'false', { timeout: 30_000 });
  await expect(otherFrame.locator('[data-testid="message"]').filter({ hasText: 'sneaky' })).toHaveCount(0);
  expect(await all(otherPage)).toEqual([]);
  await otherPage.close();
});
