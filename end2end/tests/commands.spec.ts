/**
 * Starters and commands as a user meets them in the demo: starter cards on
 * the empty chat (rendered by the server, so a click before hydration is
 * kept and sent once the app is ready); a starter that only fills the
 * composer; `/commands` gives the composer a `/` menu (filtered, arrow
 * keys + Enter) and a button command; the reply says which command came
 * with the message; a persistent command stays picked.
 */
import type { Page } from '@playwright/test';
import {
  test,
  expect,
  assistantMessages,
  holdWasm,
  openChat,
  sendMessage,
  userMessages,
} from './support/fixtures';

async function withCommands(page: Page): Promise<void> {
  await openChat(page);
  await sendMessage(page, '/commands');
  await expect(assistantMessages(page).last()).toContainText('This chat has commands now');
}

test('clicking a starter sends its message; a filling starter only fills the composer', async ({ page }) => {
  await openChat(page);
  const starters = page.getByTestId('starter');
  await expect(starters).toHaveCount(4);
  await page.getByTestId('starter').filter({ hasText: 'Ask your own question' }).click();
  await expect(page.getByTestId('composer-input')).toHaveValue('Tell me about ');
  await expect(userMessages(page)).toHaveCount(0);

  await page.getByTestId('composer-input').fill('');
  await starters.filter({ hasText: 'Show me what you can do' }).click();
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('/help');
  await expect(assistantMessages(page).last()).toContainText('Try one of these');
  // The chat is no longer empty: the starters are gone.
  await expect(starters).toHaveCount(0);
});

test('a starter clicked before the app is ready is sent once it is', async ({ page }) => {
  const release = await holdWasm(page);
  await page.goto('/', { waitUntil: 'domcontentloaded' });
  await page.getByTestId('starter').filter({ hasText: 'A 10,000-row table' }).click();
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId('composer-input')).toHaveValue('/table');
  release();
  await expect(userMessages(page)).toHaveCount(1, { timeout: 30_000 });
  await expect(userMessages(page).first()).toContainText('/table');
  await expect(page.getByTestId('element').first()).toBeVisible({ timeout: 30_000 });
});

test('"/" opens the command menu; arrow keys and Enter pick one; it travels with the message', async ({ page }) => {
  await withCommands(page);
  const input = page.getByTestId('composer-input');
  const menu = page.getByTestId('command-menu');
  await input.click();
  await input.pressSequentially('/');
  await expect(menu).toBeVisible();
  await expect(menu.getByTestId('command-option')).toHaveCount(3);
  // Filtered by what follows the slash.
  await input.pressSequentially('c');
  await expect(menu.getByTestId('command-option')).toHaveCount(1);
  await expect(menu.getByTestId('command-option')).toHaveAttribute('data-command', 'Canvas');
  await input.press('Backspace');
  await expect(menu.getByTestId('command-option')).toHaveCount(3);
  await input.press('ArrowDown');
  await expect(menu.locator('[data-command="Search"]')).toHaveAttribute('aria-selected', 'true');
  await input.press('ArrowDown');
  await input.press('ArrowUp');
  await input.press('Enter');
  await expect(menu).toBeHidden();
  await expect(page.getByTestId('command-chip')).toHaveAttribute('data-command', 'Search');
  await expect(input).toHaveValue('');

  await input.pressSequentially('loquat recipes');
  await input.press('Enter');
  await expect(assistantMessages(page).last()).toContainText('Command Search received, with: loquat recipes');
  await expect(userMessages(page).last().getByTestId('message-command')).toHaveText('/Search');
  // Not persistent: dropped after sending.
  await expect(page.getByTestId('command-chip')).toHaveCount(0);

  // Escape closes the menu; the text is then sent as typed.
  await input.pressSequentially('/pic');
  await expect(menu).toBeVisible();
  await input.press('Escape');
  await expect(menu).toBeHidden();
  await input.press('Enter');
  await expect(userMessages(page).last()).toContainText('/pic');
});

test('a button command toggles; a persistent command stays picked', async ({ page }) => {
  await withCommands(page);
  const button = page.locator('[data-testid="command-button"][data-command="Search"]');
  await expect(button).toHaveAttribute('aria-pressed', 'false');
  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'false');
  await button.click();
  await sendMessage(page, 'with the button');
  await expect(assistantMessages(page).last()).toContainText('Command Search received, with: with the button');
  await expect(button).toHaveAttribute('aria-pressed', 'false');

  const input = page.getByTestId('composer-input');
  await input.click();
  await input.pressSequentially('/canvas');
  await input.press('Enter');
  await expect(page.getByTestId('command-chip')).toHaveAttribute('data-command', 'Canvas');
  await sendMessage(page, 'first draft');
  await expect(assistantMessages(page).last()).toContainText('Command Canvas received, with: first draft');
  await expect(page.getByTestId('command-chip')).toHaveAttribute('data-command', 'Canvas');
  await sendMessage(page, 'second draft');
  await expect(assistantMessages(page).last()).toContainText('Command Canvas received, with: second draft');
});
