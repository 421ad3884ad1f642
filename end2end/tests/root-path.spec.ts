import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Page, Request } from '@playwright/test';

import {
  test,
  expect,
  DEMO,
  assistantMessages,
  exchange,
  sendMessage,
  userMessages,
  waitReady,
} from './support/fixtures';
import { addUser, createSecret, loginEnv } from './support/auth';
import { Nginx, required } from './support/nginx';
import { freePort, LoquatServer } from './support/server';

// Loquat under /chat/ of a site whose other pages are its own, behind nginx
// (scripts/services/nginx-subpath.conf, docs/deploy.md): the app runs with
// --root-path /chat and nginx passes /chat/… on unchanged.
const ROOT = '/chat';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

let server: LoquatServer | null = null;
let nginx: Nginx | null = null;
let dataDir: string | null = null;

async function startSite(env: Record<string, string> = {}): Promise<string> {
  // nginx first, so that the app knows its public address (LOQUAT_URL,
  // which may name the root path too).
  const port = await freePort();
  nginx = await Nginx.start(required('LOQUAT_TEST_NGINX_SUBPATH_CONF'), { ROOT, NODE: String(port) });
  server = await LoquatServer.start({
    port,
    rootPath: ROOT,
    dataDir: dataDir ?? undefined,
    env: { LOQUAT_URL: `${nginx.url}${ROOT}`, LOQUAT_PROJECT_PROXIES: '127.0.0.1', LOQUAT_DEMO_TOKENS_PER_SEC: '2000', ...env },
  });
  return nginx.url;
}

test.afterEach(async ({}, testInfo) => {
  if (server && testInfo.status !== testInfo.expectedStatus) {
    process.stderr.write(`\n----- loquat log -----\n${server.logs()}\n`);
  }
  nginx?.stop();
  nginx = null;
  await server?.dispose();
  server = null;
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = null;
});

/** Every request the page makes to the site (`origin`) outside the app's
 *  root path: what a sub-path deployment must never see. */
function watchOutside(page: Page, site: string): string[] {
  const host = new URL(site).host;
  const outside: string[] = [];
  const check = (kind: string, address: string) => {
    const url = new URL(address);
    if (url.host === host && !url.pathname.startsWith(`${ROOT}/`)) outside.push(`${kind} ${url.pathname}`);
  };
  page.on('request', (request: Request) => check(request.method(), request.url()));
  page.on('websocket', (ws) => check('WebSocket', ws.url()));
  return outside;
}

test('under a sub-path: pages, bundle, socket, uploads, elements and history stay under it', async ({ page }) => {
  const site = await startSite();
  // The host site keeps its own pages.
  await page.goto(`${site}/`);
  await expect(page.getByTestId('host-page')).toBeVisible();

  // `/chat` goes on to `/chat/`.
  await page.goto(`${site}${ROOT}`);
  await expect(page).toHaveURL(`${site}${ROOT}/`);
  // From here on, the app asks for nothing outside its root path.
  const outside = watchOutside(page, site);
  await page.reload();
  await waitReady(page);

  await exchange(page, 'hello under a sub-path');
  await expect(assistantMessages(page).last()).toContainText(DEMO.heading);
  // The thread's address is under the root path.
  await expect(page).toHaveURL(new RegExp(`^${site}${ROOT}/thread/[\\w-]+$`));
  const threadUrl = page.url();

  // An upload goes to /chat/api/…, and its picture loads from /chat/element/….
  await sendMessage(page, '/upload');
  const ask = page.getByTestId('ask');
  await ask.getByTestId('ask-input').setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: PNG });
  await expect(ask.locator('[data-testid="attachment"][data-state="ready"]')).toHaveCount(1);
  await ask.getByTestId('ask-submit').click();
  await expect(assistantMessages(page).last()).toContainText('Got dot.png');
  const picture = userMessages(page).last().locator('[data-testid="element"][data-element-type="image"] img');
  await expect(picture).toHaveAttribute('src', new RegExp(`^${ROOT}/element/[\\w-]+/content`));
  await expect.poll(() => picture.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(1);

  // A table pages through /chat/element/<id>/rows.
  await sendMessage(page, '/table');
  const frame = page.locator('[data-testid="element"][data-element-type="dataframe"]').last();
  await expect(frame.getByTestId('dataframe-status')).toHaveText('Rows 1–20 of 10000', { timeout: 15_000 });
  await frame.getByTestId('dataframe-next').click();
  await expect(frame.getByTestId('dataframe-status')).toHaveText('Rows 21–40 of 10000');

  // A new chat, then the history (a server function under /chat/api/)
  // brings the first thread back, and a reload of its address renders it.
  await page.getByTestId('new-chat').click();
  await expect(page).toHaveURL(`${site}${ROOT}/`);
  const item = page.getByTestId('thread-item').filter({ hasText: 'hello under a sub-path' });
  await expect(item).toHaveCount(1);
  await item.locator('a').click();
  await expect(page).toHaveURL(threadUrl);
  await expect(userMessages(page).first()).toContainText('hello under a sub-path');
  await page.reload();
  await waitReady(page);
  await expect(userMessages(page).first()).toContainText('hello under a sub-path');

  expect(outside, 'requests outside the root path').toEqual([]);
});

/** Signs `user` in on the app's login page under the root path. */
async function signInUnder(page: Page, user: { name: string; password: string }): Promise<void> {
  await expect(page.getByTestId('login-page')).toBeVisible();
  await page.getByTestId('login-username').fill(user.name);
  await page.getByTestId('login-password').fill(user.password);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('user-name')).toHaveText(user.name);
}

test('under a sub-path: signing in and out stays under it, and another user or site gets nothing', async ({
  page,
  browser,
}) => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-e2e-root-'));
  const alice = { name: 'alice', password: 'alice-secret-1' };
  const bob = { name: 'bob', password: 'bob-secret-1' };
  addUser(dataDir, alice);
  addUser(dataDir, bob);
  const site = await startSite(loginEnv(createSecret()));
  const outside = watchOutside(page, site);

  // Signed out: the app sends the browser to its own login page, whose
  // stylesheet and form are under the root path too.
  await page.goto(`${site}${ROOT}/`);
  await expect(page.getByTestId('login-page')).toBeVisible();
  await expect(page).toHaveURL((url) => url.pathname === `${ROOT}/login`);
  await expect(page.getByTestId('login-form')).toHaveAttribute('action', `${ROOT}/auth/login`);
  await page.getByTestId('login-username').fill(alice.name);
  await page.getByTestId('login-password').fill(alice.password);
  await page.getByTestId('login-submit').click();
  await expect(page).toHaveURL(`${site}${ROOT}/`);
  await expect(page.getByTestId('user-name')).toHaveText(alice.name);
  await waitReady(page);
  await exchange(page, 'signed in under a sub-path');
  await expect(page).toHaveURL(new RegExp(`^${site}${ROOT}/thread/[\\w-]+$`));
  const threadPath = new URL(page.url()).pathname;
  const threadId = threadPath.split('/').pop() ?? '';

  // The session cookie is the app's alone: scoped to its path and named
  // for it, so another app on this host neither gets nor overwrites it.
  const cookies = await page.context().cookies(`${site}${ROOT}/`);
  const session = cookies.find((c) => c.name.startsWith('loquat_session'));
  expect(session?.name).toBe('loquat_session.chat');
  expect(session?.path).toBe(ROOT);
  expect(await page.context().cookies(`${site}/`)).toEqual([]);

  // A page of another site cannot use alice's sign-in under the root path:
  // its cross-site POST to a server function is refused, and renames nothing.
  const foreign = await page.request.post(`${site}${ROOT}/api/threads/rename`, {
    form: { id: threadId, name: 'pwned' },
    headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
  });
  expect(foreign.status()).toBe(403);

  // Bob, in his own browser, does not find alice's thread, on the page or
  // through the API under the root path.
  const other = await browser.newContext();
  try {
    const bobPage = await other.newPage();
    await bobPage.goto(`${site}${ROOT}/`);
    await signInUnder(bobPage, bob);
    const visit = await bobPage.goto(`${site}${threadPath}`);
    expect(visit?.status()).toBe(404);
    await expect(bobPage.getByTestId('not-found')).toBeVisible();
    expect((await bobPage.request.get(`${site}${ROOT}/api/threads/${threadId}/export?format=json`)).status()).toBe(404);
    const renamed = await bobPage.request.post(`${site}${ROOT}/api/threads/rename`, {
      form: { id: threadId, name: 'renamed by bob' },
    });
    expect(renamed.status()).not.toBe(200);
  } finally {
    await other.close();
  }
  await page.reload();
  await expect(page.getByTestId('thread-item')).toHaveCount(1);
  await expect(page.getByTestId('thread-item')).toContainText('signed in under a sub-path');

  await page.getByTestId('logout').click();
  await expect(page).toHaveURL((url) => url.pathname === `${ROOT}/login` && url.searchParams.has('signed_out'));
  await expect(page.getByTestId('login-notice')).toBeVisible();

  expect(outside, 'requests outside the root path').toEqual([]);
});
