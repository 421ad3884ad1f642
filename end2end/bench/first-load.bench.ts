/**
 * The first load as a browser gets it: Chromium opens the app with an empty
 * cache and every response's encoded body size (what crossed the wire, after
 * compression) is summed, per file and in total, with the encoding the
 * server chose. Then a reload shows what a returning visitor downloads.
 *
 *   scripts/bench.sh first-load     (release build)
 */
import { test, expect } from '../tests/support/fixtures';
import type { Page, Response } from '@playwright/test';

interface Row {
  url: string;
  encoding: string;
  status: number;
  bytes: number;
}

async function load(page: Page): Promise<Row[]> {
  const responses: Response[] = [];
  const collect = (response: Response) => responses.push(response);
  page.on('response', collect);
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 60_000 });
  page.off('response', collect);
  const rows: Row[] = [];
  for (const response of responses) {
    const sizes = await response.request().sizes();
    // Served from the browser's cache: nothing crossed the wire (Chromium
    // reports a negative size then).
    const cached = response.fromServiceWorker() || sizes.responseBodySize < 0;
    rows.push({
      url: new URL(response.url()).pathname,
      encoding: cached ? 'cache' : (response.headers()['content-encoding'] ?? 'identity'),
      status: response.status(),
      bytes: Math.max(0, sizes.responseBodySize),
    });
  }
  return rows;
}

function print(title: string, rows: Row[]): number {
  const total = rows.reduce((sum, row) => sum + row.bytes, 0);
  process.stdout.write(`\n${title}\n`);
  for (const row of rows) {
    process.stdout.write(`  ${row.url.padEnd(28)} ${String(row.status).padEnd(4)} ${row.encoding.padEnd(9)} ${row.bytes} bytes\n`);
  }
  process.stdout.write(`  total ${total} bytes (${(total / 1000).toFixed(1)} KB)\n`);
  return total;
}

test('first load and reload, as Chromium downloads them', async ({ page }) => {
  const first = print('first load (empty cache)', await load(page));
  expect(first).toBeGreaterThan(0);
  print('reload (cache kept)', await load(page));
});

/** Median of a list of numbers. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test('time to hydrated and to the first token, empty cache', async ({ browser, server }) => {
  const runs = 5;
  const hydrated: number[] = [];
  const firstToken: number[] = [];
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Times are read in the page, from the start of its navigation.
    await page.addInitScript(() => {
      const w = window as unknown as Record<string, number>;
      new MutationObserver((_, observer) => {
        if (document.documentElement.dataset.hydrated === 'true') {
          w.__hydratedAt = performance.now();
          observer.disconnect();
        }
        // The script runs before the parser made <html>: watch the document.
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
    });
    await page.goto(server.url);
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 60_000 });
    await expect(page.getByTestId('connection-status')).toBeHidden({ timeout: 15_000 });
    hydrated.push(await page.evaluate(() => (window as unknown as Record<string, number>).__hydratedAt));
    const input = page.getByTestId('composer-input');
    await input.fill('hello');
    // From the key press to the first text of the reply on screen.
    await page.evaluate(() => {
      const w = window as unknown as Record<string, number>;
      const reply = () =>
        document.querySelector('[data-testid="message"][data-type="assistant_message"] [data-testid="message-content"]');
      const seen = () => (reply()?.textContent ?? '').trim().length > 0;
      new MutationObserver((_, observer) => {
        if (w.__sentAt !== undefined && seen()) {
          w.__tokenAt = performance.now();
          observer.disconnect();
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
      document.addEventListener('keydown', () => (w.__sentAt = performance.now()), { capture: true, once: true });
    });
    await input.press('Enter');
    await expect(page.locator('[data-testid="message"][data-type="assistant_message"]').last()).not.toBeEmpty();
    await page.waitForFunction(() => (window as unknown as Record<string, number>).__tokenAt !== undefined);
    firstToken.push(
      await page.evaluate(() => {
        const w = window as unknown as Record<string, number>;
        return w.__tokenAt - w.__sentAt;
      }),
    );
    await context.close();
  }
  process.stdout.write(
    `\nhydrated after ${hydrated.map((t) => t.toFixed(0)).join(', ')} ms (median ${median(hydrated).toFixed(0)} ms)\n` +
      `first token after ${firstToken.map((t) => t.toFixed(0)).join(', ')} ms (median ${median(firstToken).toFixed(0)} ms)\n`,
  );
  expect(hydrated.every((t) => t > 0)).toBe(true);
  expect(firstToken.every((t) => t > 0)).toBe(true);
});
