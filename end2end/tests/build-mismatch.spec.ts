/**
 * A server and a browser bundle built differently cannot hydrate each
 * other's markup. Instead of a panic deep inside hydration, the bundle says
 * what is wrong and leaves the server-rendered page as it is.
 *
 * Needs such a pair, so it runs only where scripts/test.sh makes one: the
 * plain debug server (typed views) serving the site of `cargo leptos build`
 * (debug: erased views), with LOQUAT_E2E_EXPECT_MISMATCH=1.
 */
import { test, expect } from './support/fixtures';

test.skip(process.env.LOQUAT_E2E_EXPECT_MISMATCH !== '1', 'needs a server and a site built differently');

test('a bundle built otherwise than the server explains itself and does not hydrate', async ({ page }) => {
  const explained = page.waitForEvent('console', {
    predicate: (msg) => msg.type() === 'error' && msg.text().includes('Loquat: not hydrating'),
    timeout: 30_000,
  });
  await page.goto('/');
  const message = await explained;
  expect(message.text()).toContain('LEPTOS_SITE_ROOT');
  // The server-rendered page stays: readable, not hydrated.
  await expect(page.getByTestId('composer-input')).toBeVisible();
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
});
