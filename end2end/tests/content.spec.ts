import { test, expect, openChat, sendMessage, assistantMessages, waitReady, DEMO } from './support/fixtures';

test.use({ serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '0' } });

test('code in a reply is highlighted', async ({ page }) => {
  await openChat(page);
  await sendMessage(page, 'show me code');
  const reply = assistantMessages(page).last();
  await expect(reply).toContainText(DEMO.lastWords, { timeout: DEMO.replyTimeout });
  const code = reply.locator('code.language-rust');
  await expect(code.locator('.hl-k').first()).toBeVisible();
  await expect(code.locator('.hl-k', { hasText: 'async' })).toHaveCount(1);
  await expect(code.locator('.hl-s').first()).toBeVisible();
  // Highlighting changes colours, not text: copying gets the source.
  expect(await code.textContent()).toContain('.on_message(|chat: Chat, msg: Message| async move {');
});

test('a reaction toggles, stays after reload, and a footer shows under its message', async ({ page }) => {
  await openChat(page);
  await sendMessage(page, '/elements');
  const reply = assistantMessages(page).last();
  await expect(reply.getByTestId('message-footer')).toHaveText('Every file here was generated on the server.');
  const favorite = reply.locator('[data-testid="reaction"][data-reaction="favorite"]');
  await expect(favorite).toHaveAttribute('aria-pressed', 'false');
  await reply.hover();
  await favorite.click();
  await expect(favorite).toHaveAttribute('aria-pressed', 'true');
  await page.reload();
  await waitReady(page);
  const again = assistantMessages(page).last().locator('[data-testid="reaction"][data-reaction="favorite"]');
  await expect(again).toHaveAttribute('aria-pressed', 'true');
  await expect(again).toBeVisible(); // an active reaction shows without hovering
  await assistantMessages(page).last().hover();
  await again.click();
  await expect(again).toHaveAttribute('aria-pressed', 'false');
});
