/**
 * Chat profiles as a user meets them, in the `profiles` example: the
 * header shows the default profile with its starters; picking the other
 * starts a new chat with it (its name, its starters, the hooks see it);
 * the choice survives a reload.
 */
import * as path from 'node:path';
import { test, expect, assistantMessages, content, openChat, waitReady } from './support/fixtures';
import { targetDir } from './support/server';

test.use({ app: { bin: path.join(targetDir(), 'debug', 'examples', 'profiles'), embeddedSite: true } });

test('@apps picking a profile starts a new chat with its name, starters and hooks', async ({ page }) => {
  await openChat(page);
  const picker = page.getByTestId('profile-picker');
  await expect(picker).toHaveAttribute('data-profile', 'Support');
  await expect(page.getByTestId('starter')).toHaveText(['Where is my order?']);
  await expect(content(assistantMessages(page).first())).toHaveText('You are talking to Support.');

  await picker.click();
  const sales = page.locator('[data-testid="profile-option"][data-profile="Sales"]');
  await expect(sales).toContainText('Helps you choose a plan.');
  await sales.click();
  await expect(picker).toHaveAttribute('data-profile', 'Sales');
  await waitReady(page);
  await expect(page.getByTestId('app-name')).toHaveText('Sales desk');
  await expect(page.getByTestId('starter')).toHaveText(['Compare the plans', 'Ask for a discount']);
  await expect(content(assistantMessages(page).first())).toHaveText('You are talking to Sales.');

  await page.getByTestId('starter').filter({ hasText: 'Compare the plans' }).click();
  const reply = assistantMessages(page).last();
  await expect(content(reply)).toHaveText('[Sales] Compare your plans');
  await expect(reply).toHaveAttribute('data-author', 'Sales desk');

  await page.goto('/');
  await waitReady(page);
  await expect(picker).toHaveAttribute('data-profile', 'Sales');
});
