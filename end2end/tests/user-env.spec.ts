/**
 * Values each user gives the app (`[project] user_env`, here
 * LOQUAT_USER_ENV=OPENAI_API_KEY): the header's "Keys" button, the dialog
 * that opens by itself while a value is missing, the value kept in this
 * browser's local storage and sent with the socket's `hello` (the socket
 * reconnects on saving), and never in what the server sends back: not in
 * the page's HTML, not in a thread's export, not in its log.
 *
 * Each test has a server of its own (the `server` fixture) and a fresh
 * browser context, so local storage starts empty every time. The default
 * app's assistant does not read the value; the server side is tested in
 * server/tests/user_env.rs.
 */
import { randomBytes } from 'node:crypto';
import type { Page, WebSocket } from '@playwright/test';
import { test, expect, openChat, waitReady, exchange } from './support/fixtures';

const KEY = 'OPENAI_API_KEY';
/** Where the app keeps the values (app/src/client/user_env.rs). */
const STORAGE_KEY = 'loquat.user_env';

/** A value nobody else would write anywhere. */
function secretValue(): string {
  return `sk-e2e-${randomBytes(12).toString('hex')}`;
}

function dialog(page: Page) {
  return page.getByRole('dialog', { name: 'Your keys' });
}

function keyInput(page: Page) {
  return dialog(page).locator(`[data-testid="user-env-input"][data-key="${KEY}"]`);
}

/** What the app has in local storage, parsed (null when nothing). */
async function stored(page: Page): Promise<Record<string, string> | null> {
  const text = await page.evaluate((key) => window.localStorage.getItem(key), STORAGE_KEY);
  return text === null ? null : (JSON.parse(text) as Record<string, string>);
}

/** Records every `hello` the page sends over its sockets, from now on. */
function watchHellos(page: Page): Array<Record<string, unknown>> {
  const hellos: Array<Record<string, unknown>> = [];
  const watch = (ws: WebSocket) => {
    ws.on('framesent', ({ payload }) => {
      if (typeof payload !== 'string') return;
      try {
        const frame = JSON.parse(payload) as Record<string, unknown>;
        if (frame.type === 'hello') hellos.push(frame);
      } catch {
        // Not JSON: not a hello.
      }
    });
  };
  page.on('websocket', watch);
  return hellos;
}

/** First visit: waits for the dialog that opens by itself, saves `value`
 *  in it and waits until it has closed. */
async function saveFromFirstVisit(page: Page, value: string): Promise<void> {
  await openChat(page);
  await expect(dialog(page)).toBeVisible();
  await keyInput(page).fill(value);
  await dialog(page).getByTestId('user-env-save').click();
  await expect(dialog(page)).toHaveCount(0);
}

test.describe('with LOQUAT_USER_ENV', () => {
  test.use({ serverEnv: { LOQUAT_USER_ENV: KEY, LOQUAT_DEMO_TOKENS_PER_SEC: '1000' } });

  test('the dialog asks on the first visit; the saved value is kept in the browser and sent on a new socket', async ({
    page,
  }) => {
    const hellos = watchHellos(page);
    await openChat(page);
    expect(await stored(page)).toBeNull();

    // Nothing saved yet: the dialog is open without being asked for.
    const open = page.getByTestId('user-env-open');
    await expect(open).toHaveText('Keys');
    await expect(dialog(page)).toBeVisible();
    const inputs = dialog(page).getByTestId('user-env-input');
    await expect(inputs).toHaveCount(1);
    await expect(inputs.first()).toHaveAttribute('data-key', KEY);
    await expect(inputs.first()).toHaveAttribute('type', 'password');
    await expect(inputs.first()).toHaveValue('');
    await expect(dialog(page).getByTestId('user-env-save')).toBeVisible();
    // The first hello carried nothing: there was nothing to send.
    await expect.poll(() => hellos.length).toBeGreaterThanOrEqual(1);
    for (const hello of hellos) expect(hello.user_env).toBeUndefined();

    const value = secretValue();
    await keyInput(page).fill(value);
    const sockets = hellos.length;
    await dialog(page).getByTestId('user-env-save').click();
    await expect(dialog(page)).toHaveCount(0);
    expect(await stored(page)).toEqual({ [KEY]: value });

    // Saving reconnected: a new hello carries the value, and the app is
    // connected again.
    await expect.poll(() => hellos.length).toBeGreaterThan(sockets);
    expect(hellos[hellos.length - 1].user_env).toEqual({ [KEY]: value });
    await waitReady(page);

    // A reload finds the value: no dialog by itself, the value in it when
    // opened, and sent with the first hello.
    const beforeReload = hellos.length;
    await page.reload();
    await waitReady(page);
    await expect.poll(() => hellos.length).toBeGreaterThan(beforeReload);
    expect(hellos[beforeReload].user_env).toEqual({ [KEY]: value });
    await expect(page.getByTestId('user-env-open')).toBeVisible();
    await expect(dialog(page)).toHaveCount(0);
    await page.getByTestId('user-env-open').click();
    await expect(dialog(page)).toBeVisible();
    await expect(keyInput(page)).toHaveValue(value);
    await expect(keyInput(page)).toHaveAttribute('type', 'password');

    // The button closes it again, unchanged.
    await page.getByTestId('user-env-open').click();
    await expect(dialog(page)).toHaveCount(0);
    expect(await stored(page)).toEqual({ [KEY]: value });
  });

  test('the value is never in what the server sends: not in the page, not in an export, not in its log', async ({
    page,
    server,
  }) => {
    const value = secretValue();
    const hellos = watchHellos(page);
    await saveFromFirstVisit(page, value);
    // It was really given to the server (the control for what follows).
    await expect.poll(() => hellos.some((h) => JSON.stringify(h.user_env ?? {}).includes(value))).toBe(true);
    await waitReady(page);

    const home = await page.request.get('/');
    expect(home.status()).toBe(200);
    const homeHtml = await home.text();
    expect(homeHtml).toContain('data-testid="user-env-open"');
    expect(homeHtml).not.toContain(value);

    await exchange(page, 'does the export know my key?');
    await expect(page).toHaveURL(/\/thread\/[\w-]+$/);
    const threadId = new URL(page.url()).pathname.split('/').pop() ?? '';

    for (const format of ['json', 'jsonl']) {
      const exported = await page.request.get(`/api/threads/${threadId}/export?format=${format}`);
      expect(exported.status(), `export as ${format}`).toBe(200);
      const text = await exported.text();
      expect(text, `export as ${format}`).toContain('does the export know my key?');
      expect(text, `export as ${format}`).not.toContain(value);
    }
    const exported = await page.request.get(`/api/threads/${threadId}/export`);
    expect(exported.status()).toBe(200);
    expect(await exported.text()).not.toContain(value);

    const threadPage = await page.request.get(`/thread/${threadId}`, { headers: { accept: 'text/html' } });
    expect(threadPage.status()).toBe(200);
    // (The feed comes over the socket; the served page is the app's shell.)
    const threadHtml = await threadPage.text();
    expect(threadHtml).toContain('data-testid="user-env-open"');
    expect(threadHtml).not.toContain(value);

    // Nor in the live page's markup (the input holds it as a property only).
    expect(await page.content()).not.toContain(value);
    expect(server.logs()).not.toContain(value);
  });
});

test.describe('without LOQUAT_USER_ENV', () => {
  test.use({ serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '1000' } });

  test('there is no Keys button and no dialog', async ({ page }) => {
    const hellos = watchHellos(page);
    await openChat(page);
    // The header is there (and hydrated), without the button.
    await expect(page.getByTestId('thread-menu')).toBeVisible();
    await expect(page.getByTestId('user-env-open')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Keys' })).toHaveCount(0);
    await expect(dialog(page)).toHaveCount(0);
    await expect(page.getByTestId('user-env-input')).toHaveCount(0);
    expect(await stored(page)).toBeNull();
    await expect.poll(() => hellos.length).toBeGreaterThanOrEqual(1);
    for (const hello of hellos) expect(hello.user_env).toBeUndefined();
    const home = await page.request.get('/');
    expect(await home.text()).not.toContain('user-env-open');
  });
});
