/**
 * The interface in the user's language: the browser's Accept-Language
 * picks among the shipped translations and the app's own files
 * (<data-dir>/translations/<lang>.json, read at start: no rebuild), with
 * Chainlit's fallback order; Arabic pages are right to left. The strings
 * come with the page, so the hydrated app shows the same ones.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, expect, assistantMessages, sendMessage, waitReady } from './support/fixtures';
import { LoquatServer } from './support/server';

let server: LoquatServer;
let dataDir: string;

test.beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-e2e-i18n-'));
  fs.mkdirSync(path.join(dataDir, 'translations'));
  // A language Loquat does not ship, added by the app: one string of it.
  fs.writeFileSync(
    path.join(dataDir, 'translations', 'pt-BR.json'),
    JSON.stringify({ composer: { placeholder: 'Escreva uma mensagem…' } }),
  );
  // The app's description in French, instead of [UI] description.
  fs.writeFileSync(path.join(dataDir, 'translations', 'description.fr-FR.md'), 'Un assistant **hors ligne**.\n');
  server = await LoquatServer.start({ dataDir });
});

test.afterAll(async () => {
  await server.dispose();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test.describe('French', () => {
  test.use({ locale: 'fr-FR' });

  test('Accept-Language: fr-FR shows the French interface, before and after hydration', async ({ page }) => {
    await page.goto(server.url);
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr-FR');
    await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
    const input = page.getByTestId('composer-input');
    await expect(input).toHaveAttribute('placeholder', 'Écrivez un message…');
    await waitReady(page);
    await expect(input).toHaveAttribute('placeholder', 'Écrivez un message…');
    await expect(page.getByTestId('composer-send')).toHaveText('Envoyer');
    await expect(page.getByTestId('new-chat')).toHaveText('Nouvelle conversation');
    await expect(page.getByTestId('welcome')).toContainText('Un assistant hors ligne.');
    await expect(page.getByTestId('welcome').locator('strong')).toHaveText('hors ligne');
    await expect(page.getByTestId('composer-hint')).toHaveText('Entrée pour envoyer · Maj+Entrée pour un saut de ligne');
    await sendMessage(page, 'bonjour');
    await expect(assistantMessages(page).last()).toContainText('bonjour');
    // The reply's code block has its copy button in French too.
    const copy = assistantMessages(page).last().locator('.code-copy');
    await expect(copy).toHaveText('Copier');
    await expect(copy).toHaveAttribute('title', 'Copier le code');
    // The history files the new thread under today's heading, in French,
    // and its buttons name it in French.
    await expect(page.getByRole('heading', { name: 'Aujourd’hui' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Renommer « bonjour »' })).toHaveCount(1);
  });
});

test.describe('Arabic', () => {
  test.use({ locale: 'ar-SA' });

  test('Accept-Language: ar-SA gives a right-to-left page in Arabic', async ({ page }) => {
    await page.goto(server.url);
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    await expect(page.locator('html')).toHaveAttribute('lang', 'ar-SA');
    await waitReady(page);
    await expect(page.getByTestId('composer-send')).toHaveText('إرسال');
    // The composer's text runs right to left too, and the layout is
    // mirrored: the history sidebar is on the right, its border on its left.
    await expect(page.getByTestId('composer-input')).toHaveCSS('direction', 'rtl');
    const sidebar = page.getByTestId('history-sidebar');
    await expect(sidebar).toBeVisible();
    const side = await sidebar.boundingBox();
    const width = page.viewportSize()?.width ?? 0;
    expect(side && side.x + side.width).toBeGreaterThan(width - 2);
    await expect(sidebar).toHaveCSS('border-left-width', '1px');
  });
});

test.describe("the app's own language", () => {
  test.use({ locale: 'pt-PT' });

  test('pt-PT gets the pt-BR file the app added, English where it has no string', async ({ page }) => {
    await page.goto(server.url);
    await waitReady(page);
    await expect(page.locator('html')).toHaveAttribute('lang', 'pt-BR');
    await expect(page.getByTestId('composer-input')).toHaveAttribute('placeholder', 'Escreva uma mensagem…');
    await expect(page.getByTestId('composer-send')).toHaveText('Send');
    await expect(page.getByTestId('welcome')).not.toContainText('hors ligne');
  });
});

test('a language there is no file for falls back to en-US', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'ja-JP' });
  const page = await context.newPage();
  await page.goto(server.url);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en-US');
  await expect(page.getByTestId('composer-input')).toHaveAttribute('placeholder', 'Message…');
  await context.close();
});
