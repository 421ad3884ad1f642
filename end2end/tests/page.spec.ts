import { test, expect, waitReady } from './support/fixtures';

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the user opens the app and sees the server-rendered page', async ({ page }) => {
    const response = await page.goto('/');
    expect(response?.status()).toBe(200);
    await expect(page.locator('header').first()).toContainText('Loquat');
    await expect(page.getByTestId('composer-input')).toBeVisible();
    await expect(page.getByTestId('composer-send')).toBeVisible();
    // Without JavaScript nothing hydrates.
    await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  });
});

test('the HTML the server sends already contains the chat UI', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('text/html');
  const html = await response.text();
  expect(html).toContain('Loquat');
  expect(html).toMatch(/data-testid="composer-input"/);
  expect(html).toMatch(/data-testid="composer-send"/);
});

test('the user opens the app and it hydrates', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('header').first()).toContainText('Loquat');
  await waitReady(page);
  await expect(page.getByTestId('composer-input')).toBeEditable();
});
