import { test, expect, messages, waitReady } from './support/fixtures';
import { importLongThread } from './support/threads';

/** Messages the feed renders when a thread opens (app/src/components/feed/feed_view.rs). */
const WINDOW = 50;

test('a long thread opens at its end and shows earlier messages on demand', async ({ page, server }) => {
  const total = 130;
  const threadId = await importLongThread(page.request, server.url, total);
  await page.goto(`/thread/${threadId}`);
  await waitReady(page);

  // The latest page, scrolled to the last message.
  await expect(messages(page).last()).toContainText(`Answer ${total - 1}`);
  await expect(messages(page).last()).toBeInViewport();
  await expect(messages(page)).toHaveCount(WINDOW);
  await expect(messages(page).first()).toContainText(`Question ${total - WINDOW}`);
  const earlier = page.getByTestId('load-earlier');
  await expect(earlier).toContainText(`(${total - WINDOW})`);

  // The button shows one more page above, and what was on screen stays
  // there. (Scrolling up to it would load a page by itself, see below; a
  // keyboard user activates it without scrolling.)
  await earlier.dispatchEvent('click');
  await expect(messages(page)).toHaveCount(2 * WINDOW);
  await expect(messages(page).first()).toContainText(`Question ${total - 2 * WINDOW}`);
  await expect(messages(page).nth(WINDOW)).toContainText(`Question ${total - WINDOW}`);
  await expect(messages(page).last()).toBeInViewport();
  await expect(messages(page).first()).not.toBeInViewport();
  await expect(earlier).toContainText(`(${total - 2 * WINDOW})`);

  // Scrolling up to the top loads the rest.
  const feed = page.getByTestId('feed');
  await expect(async () => {
    await feed.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect(messages(page)).toHaveCount(total, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(earlier).toBeHidden();
  const first = messages(page).first();
  await expect(first).toContainText('Question 0');
  await feed.evaluate((el) => el.scrollTo({ top: 0 }));
  await expect(first).toBeInViewport();

  // "Latest" goes back to the end.
  await page.getByTestId('jump-latest').click();
  await expect(messages(page).last()).toBeInViewport();
});

test('a thread too large for one frame arrives in snapshot pages and shows whole', async ({ page, server }) => {
  // 40 messages, the answers 20 KB each: about 400 KB, over the 256 KB of
  // a snapshot page.
  const total = 40;
  const threadId = await importLongThread(page.request, server.url, total, 20_000);
  let pages = 0;
  let largest = 0;
  page.on('websocket', (ws) =>
    ws.on('framereceived', ({ payload }) => {
      const text = typeof payload === 'string' ? payload : payload.toString();
      largest = Math.max(largest, text.length);
      if (text.includes('"type":"snapshot_more"')) pages++;
    }),
  );
  await page.goto(`/thread/${threadId}`);
  await waitReady(page);
  await expect(messages(page)).toHaveCount(total);
  await expect(messages(page).first()).toContainText('Question 0');
  await expect(messages(page).last()).toContainText(`Answer ${total - 1}`);
  await expect(messages(page).last()).toContainText('lorem ipsum');
  expect(pages).toBeGreaterThanOrEqual(1);
  expect(largest).toBeLessThan(512 * 1024);
});
