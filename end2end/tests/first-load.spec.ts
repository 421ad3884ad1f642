/**
 * The first load is a budget: what a browser downloads to show a new chat
 * (page, script, WASM, stylesheet, icons — as they cross the wire, after
 * compression) must not grow unnoticed. The bundle is the same in debug and
 * release builds (always built with the size-optimised profile), so this
 * runs against both.
 *
 * The ceiling is the figure measured on 2026-12-07 (481.8 KB, see the
 * README's "First load") plus 2% for the page's own small variations
 * (nonces, the build id). Lower it when the load shrinks; raising it needs
 * the reason in the commit that does it. `scripts/bench.sh first-load`
 * prints the same sum per file.
 */
import { test, expect } from './support/fixtures';
import type { Response } from '@playwright/test';

const CEILING_BYTES = 491_500;

test('the first load stays within its budget', async ({ page }) => {
  const responses: Response[] = [];
  page.on('response', (response) => responses.push(response));
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('connection-status')).toBeHidden({ timeout: 15_000 });
  // Whatever the first screen fetches once it is connected counts too.
  await page.waitForLoadState('networkidle');

  const files: string[] = [];
  let total = 0;
  for (const response of responses) {
    const sizes = await response.request().sizes();
    const bytes = Math.max(0, sizes.responseBodySize);
    total += bytes;
    const encoding = response.headers()['content-encoding'] ?? 'identity';
    files.push(`${new URL(response.url()).pathname} ${encoding} ${bytes}`);
  }
  const wasm = responses.find((r) => new URL(r.url()).pathname.endsWith('.wasm'));
  expect(wasm, 'the page loads its WASM').toBeDefined();
  // Served compressed, or the figure would not be what users get.
  expect(wasm?.headers()['content-encoding']).toBe('br');
  expect(total, `first load by file:\n${files.join('\n')}`).toBeLessThanOrEqual(CEILING_BYTES);
  // A broken count (nothing measured) must not pass as a small load.
  expect(total).toBeGreaterThan(100_000);
});
