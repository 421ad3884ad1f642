/**
 * Chat settings as a user meets them: the demo's `/settings` declares a
 * form in two tabs; the user opens it from the composer, changes a slider,
 * a select and the tags, saves, and the app's on_settings_update says what
 * it read; Cancel keeps nothing; a reload shows the saved values. With
 * `[UI] chat_settings_location = "sidebar"` the button is in the header and
 * the panel opens at the side.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { test, expect, assistantMessages, openChat, sendMessage, waitReady } from './support/fixtures';
import { LoquatServer } from './support/server';

function field(panel: Locator, id: string): Locator {
  return panel.locator(`[data-testid="settings-field"][data-field="${id}"]`);
}

async function declareSettings(page: Page): Promise<void> {
  await sendMessage(page, '/settings');
  await expect(assistantMessages(page).last()).toContainText('This chat has settings now');
}

test('settings: change a slider, a select and tags, save; the app reads them; a reload keeps them', async ({ page }) => {
  await openChat(page);
  await expect(page.getByTestId('settings-open')).toHaveCount(0);
  await declareSettings(page);

  const open = page.locator('.composer').getByTestId('settings-open');
  await open.click();
  const panel = page.getByTestId('settings-panel');
  await expect(panel).toBeVisible();
  await expect(field(panel, 'model')).toHaveValue('small');
  await expect(field(panel, 'temperature')).toHaveValue('0.7');
  await field(panel, 'model').selectOption('large');
  await field(panel, 'temperature').fill('1.3');
  // The second tab's inputs show once it is picked.
  await expect(field(panel, 'stop')).toBeHidden();
  await panel.locator('[data-testid="settings-tab"][data-tab="Output"]').click();
  await expect(field(panel, 'stop')).toBeVisible();
  await expect(field(panel, 'stop')).toContainText('Answer:');
  await field(panel, 'stop').locator('input').fill('STOP');
  await field(panel, 'stop').locator('input').press('Enter');
  await expect(field(panel, 'stop')).toContainText('STOP');
  await panel.getByTestId('settings-save').click();
  await expect(panel).toBeHidden();
  await expect(assistantMessages(page).last()).toContainText(
    'Settings saved: model large, temperature 1.3, streaming on, format markdown, stop words Answer:, STOP',
  );

  // Cancel throws the edit away.
  await open.click();
  await field(panel, 'model').selectOption('small');
  await panel.getByTestId('settings-cancel').click();
  await expect(panel).toBeHidden();
  await open.click();
  await expect(field(panel, 'model')).toHaveValue('large');
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();

  await page.reload();
  await waitReady(page);
  await open.click();
  await expect(field(panel, 'model')).toHaveValue('large');
  await expect(field(panel, 'temperature')).toHaveValue('1.3');
});

test.describe('settings at the side', () => {
  let server: LoquatServer;
  let dataDir: string;

  test.beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-e2e-settings-'));
    fs.writeFileSync(path.join(dataDir, 'config.toml'), '[UI]\nchat_settings_location = "sidebar"\n');
    server = await LoquatServer.start({ dataDir });
  });

  test.afterAll(async () => {
    await server.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('the header opens them in a side panel', async ({ page }) => {
    await page.goto(server.url);
    await waitReady(page);
    await declareSettings(page);
    await expect(page.locator('.composer').getByTestId('settings-open')).toHaveCount(0);
    await page.locator('.header').getByTestId('settings-open').click();
    const panel = page.getByTestId('settings-panel');
    await expect(panel).toHaveClass(/at-side/);
    await field(panel, 'stream').uncheck();
    await panel.getByTestId('settings-save').click();
    await expect(assistantMessages(page).last()).toContainText('streaming off');
  });
});
