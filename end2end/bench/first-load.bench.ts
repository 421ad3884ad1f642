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
