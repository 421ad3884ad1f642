import { test, expect, assistantMessages, openChat, sendMessage, waitReady } from './support/fixtures';

// Slow enough that the run is visibly busy between tokens.
test.describe('while the assistant is slow', () => {
  test.use({ serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '2' } });

  test('the user sees a thinking indicator until output arrives', async ({ page }) => {
    await openChat(page);
    await sendMessage(page, 'think first');
    // The demo's tool step takes 4 ticks (2 s here) before any reply text.
    await expect(page.getByTestId('thinking')).toBeVisible({ timeout: 10_000 });
    await page.getByTestId('composer-stop').click();
    await expect(page.getByTestId('thinking')).toBeHidden({ timeout: 10_000 });
  });
});

test.describe('a long reply in a short window', () => {
  test.use({ viewport: { width: 800, height: 480 }, serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '30' } });

  test('the feed follows the reply until the user scrolls up, then offers a jump to the latest', async ({ page }) => {
    await openChat(page);
    await sendMessage(page, 'a long answer please');
    const feed = page.getByTestId('feed');
    const reply = assistantMessages(page).last();
    await expect(reply).toHaveAttribute('data-streaming', 'true', { timeout: 15_000 });
    // Wait until the content overflows the feed.
    await expect
      .poll(() => feed.evaluate((el) => el.scrollHeight - el.clientHeight), { timeout: 15_000 })
      .toBeGreaterThan(200);
    // Following: the feed stays at the bottom while tokens arrive.
    const gapFromBottom = () => feed.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    await expect.poll(gapFromBottom, { timeout: 5_000 }).toBeLessThan(60);
    await expect(page.getByTestId('jump-latest')).toBeHidden();

    // The user scrolls up: the feed stops following.
    await feed.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect(page.getByTestId('jump-latest')).toBeVisible();
    await expect.poll(() => feed.evaluate((el) => el.scrollTop)).toBe(0);

    await page.getByTestId('jump-latest').click();
    await expect(page.getByTestId('jump-latest')).toBeHidden();
    await expect.poll(gapFromBottom, { timeout: 5_000 }).toBeLessThan(60);
  });
});

test('the theme follows the system until the user toggles it, and the choice survives a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await openChat(page);
  const html = page.locator('html');
  await expect(html).not.toHaveAttribute('data-theme', /./);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const dark = await background();

  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  expect(await background()).not.toBe(dark);

  await page.reload();
  // Applied before first paint, not only after hydration.
  await expect(html).toHaveAttribute('data-theme', 'light');
  await waitReady(page);
  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
});
