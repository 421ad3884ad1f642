import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, expect, openChat, sendMessage, assistantMessages, userMessages } from './support/fixtures';
import { LoquatServer } from './support/server';
import type { Page } from '@playwright/test';

/** A small but real PNG (1×1 pixel). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

async function lastReply(page: Page): Promise<string> {
  return (await assistantMessages(page).last().textContent()) ?? '';
}

test('ask_text: the composer answers the question', async ({ page }) => {
  await openChat(page);
  await sendMessage(page, '/ask');
  const ask = page.getByTestId('ask');
  await expect(ask).toHaveAttribute('data-ask-kind', 'text');
  await expect(assistantMessages(page).last()).toContainText('What is your name?');
  await expect(page.getByTestId('composer-input')).toHaveAttribute('placeholder', 'Your answer…');
  await sendMessage(page, 'Ada');
  await expect(assistantMessages(page).last()).toContainText('Nice to meet you, Ada!');
  await expect(ask).toHaveCount(0);
});

test('ask_action: a button picks the answer', async ({ page }) => {
  await openChat(page);
  await sendMessage(page, '/choose');
  const ask = page.getByTestId('ask');
  await expect(ask).toHaveAttribute('data-ask-kind', 'action');
  await ask.locator('[data-testid="action"][data-action-name="fig"]').click();
  await expect(assistantMessages(page).last()).toContainText('You picked Fig.');
  await expect(ask).toHaveCount(0);
  // The choice is written into the question.
  await expect(assistantMessages(page).filter({ hasText: 'Which fruit?' })).toContainText('Selected: Fig');
});

test('ask_file: files are checked in the browser and on the server, then sent', async ({ page }) => {
  await openChat(page);
  await sendMessage(page, '/upload');
  const ask = page.getByTestId('ask');
  await expect(ask).toHaveAttribute('data-ask-kind', 'file');
  const submit = ask.getByTestId('ask-submit');
  await expect(submit).toBeDisabled();
  const input = ask.getByTestId('ask-input');

  // Too large: refused before uploading.
  await input.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(1024 * 1024 + 10, 1) });
  const refusedBig = ask.locator('[data-testid="attachment"][data-state="refused"]').filter({ hasText: 'huge.png' });
  await expect(refusedBig.getByTestId('attachment-error')).toContainText('larger than the limit of 1 MB');
  // Claims to be a PNG but is text: the server reads the content and refuses.
  await input.setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not a picture') });
  const refusedFake = ask.locator('[data-testid="attachment"][data-state="refused"]').filter({ hasText: 'fake.png' });
  await expect(refusedFake.getByTestId('attachment-error')).toContainText('not an accepted type');
  await expect(submit).toBeDisabled();

  await input.setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: PNG });
  await expect(ask.locator('[data-testid="attachment"][data-state="ready"]')).toHaveCount(1);
  await expect(submit).toBeEnabled();
  await submit.click();
  await expect(assistantMessages(page).last()).toContainText(`Got dot.png (image/png, ${PNG.length} bytes).`);
  // The answer is the user's message, showing the picture.
  const answer = userMessages(page).last();
  await expect(answer).toContainText('dot.png');
  await expect(answer.locator('[data-testid="element"][data-element-type="image"] img')).toBeVisible();
});

test('ask_form: submit waits for the rules', async ({ page }) => {
  await openChat(page);
  await sendMessage(page, '/form');
  const ask = page.getByTestId('ask');
  await expect(ask).toHaveAttribute('data-ask-kind', 'form');
  const submit = ask.getByTestId('ask-submit');
  const field = (id: string) => ask.locator(`[data-testid="ask-field"][data-field="${id}"]`);
  await expect(submit).toBeDisabled();
  await field('name').fill('Ada');
  await expect(submit).toBeDisabled(); // the terms are not accepted yet
  await field('terms').check();
  await expect(submit).toBeEnabled();
  await field('guests').fill('3');
  await field('fruit').selectOption('fig');
  await submit.click();
  await expect(assistantMessages(page).last()).toContainText('Booked for Ada (3 guests, fig).');
  await expect(userMessages(page).last()).toContainText('Name: Ada');
});

test.describe('spontaneous uploads', () => {
  let server: LoquatServer;
  let dataDir: string;

  test.beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-e2e-uploads-'));
    fs.writeFileSync(
      path.join(dataDir, 'config.toml'),
      '[features.spontaneous_file_upload]\naccept = ["image/*", ".csv"]\nmax_files = 3\nmax_size_mb = 2\n',
    );
    server = await LoquatServer.start({ dataDir });
  });

  test.afterEach(async () => {
    await server.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('drag-and-drop with progress, paste, and refusals with their reasons', async ({ page }) => {
    await page.goto(server.url);
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
    await expect(page.getByTestId('connection-status')).toBeHidden({ timeout: 15_000 });
    await expect(page.getByTestId('attach')).toBeVisible();

    // A slow link, so the progress bar is seen moving.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: 10_000_000,
      uploadThroughput: 400_000,
    });
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { progressSeen: number[] }).progressSeen = seen;
      setInterval(() => {
        const bar = document.querySelector('[data-testid="upload-progress"]') as HTMLProgressElement | null;
        if (bar) seen.push(bar.value);
      }, 50);
    });

    // Drop a 1.2 MB CSV onto the chat.
    await page.evaluate(() => {
      const file = new File(['name,value\n' + 'row,1234567890\n'.repeat(80_000)], 'big.csv', { type: 'text/csv' });
      const data = new DataTransfer();
      data.items.add(file);
      const chat = document.querySelector('main.chat')!;
      chat.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      chat.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    const attachments = page.getByTestId('attachment');
    await expect(attachments.filter({ hasText: 'big.csv' })).toHaveAttribute('data-state', 'uploading');
    await expect(page.getByTestId('upload-progress')).toBeVisible();
    await expect(page.getByTestId('composer-send')).toBeDisabled();
    await expect(attachments.filter({ hasText: 'big.csv' })).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
    expect(seen.some((v) => v > 0 && v < 1), `progress values ${seen.slice(0, 10)}`).toBe(true);

    // Paste a picture into the message box.
    await page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
      const input = document.querySelector('[data-testid="composer-input"]')!;
      input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, PNG.toString('base64'));
    await expect(attachments.filter({ hasText: 'pasted.png' })).toHaveAttribute('data-state', 'ready');

    // Refused in the browser (too large, wrong type) and on the server (a
    // program named .csv): each shows why, and none is sent.
    await page.getByTestId('attach-input').setInputFiles([
      { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(3 * 1024 * 1024, 1) },
      { name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') },
    ]);
    await expect(attachments.filter({ hasText: 'huge.png' }).getByTestId('attachment-error')).toContainText('larger than the limit of 2 MB');
    await expect(attachments.filter({ hasText: 'notes.pdf' }).getByTestId('attachment-error')).toContainText('not an accepted type');
    await page.getByTestId('attach-input').setInputFiles({ name: 'tool.csv', mimeType: 'text/csv', buffer: Buffer.from('MZ\x90\x00\x03binary') });
    await expect(attachments.filter({ hasText: 'tool.csv' }).getByTestId('attachment-error')).toContainText('not an accepted type');

    await page.getByTestId('composer-input').fill('here you go');
    await page.getByTestId('composer-send').click();
    await expect(assistantMessages(page).last()).toContainText('You attached 2 files');
    await expect(assistantMessages(page).last()).toContainText('big.csv');
    await expect(assistantMessages(page).last()).toContainText('pasted.png');
    const sent = userMessages(page).last();
    await expect(sent.getByTestId('element')).toHaveCount(2);
    await expect(sent.locator('[data-element-type="image"] img')).toBeVisible();
    await expect(page.getByTestId('attachment')).toHaveCount(0);
  });
});
