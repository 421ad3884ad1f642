import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { Page } from '@playwright/test';

import { test, expect } from './support/fixtures';
import { addUser, createSecret, loginEnv, type TestUser } from './support/auth';
import { frameReady, hostPage, mintToken, sayInFrame as say, useEmbeddingRun, type HostSite } from './support/embedding';
import { LoquatServer } from './support/server';

// The app framed by a page of ANOTHER SITE (the host is served at
// `localhost`, the app at `127.0.0.1`): the browser sends the frame no
// `SameSite=Lax` cookie and keeps none it sets, which is what third-party
// cookie blocking does everywhere. The frame signs in with a token instead:
// through a popup, or handed over by the host page. Every request the
// frame makes is watched: none may carry a cookie, though the browser holds
// the app's own cookie from the popup.

const ALICE: TestUser = { name: 'alice', password: 'alice-frame-1', displayName: 'Alice A.' };
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** A page of another site that frames the app; with `token`, it answers
 *  the frame's token request with it (its backend minted it with the
 *  app's secret). */
function hostSite(appUrl: () => string, token?: () => string): Promise<HostSite> {
  return hostPage(() => {
    const answer = token
      ? `<script>addEventListener('message', (e) => {
  if (e.origin === ${JSON.stringify(appUrl())} && e.data && e.data.type === 'loquat:token-request') {
    e.source.postMessage({ type: 'loquat:access-token', token: ${JSON.stringify(token())} }, e.origin);
  }
});</script>`
      : '';
    return `<title>Host</title>${answer}
<h1 data-testid="host-page">A product page</h1>
<iframe id="chat" src="${appUrl()}/" style="width: 900px; height: 700px"></iframe>`;
  }, { site: 'localhost' });
}

const run = useEmbeddingRun();

/** Starts the app (the run's) with logins, `ALICE`, and `host` allowed
 *  to frame it. */
async function startApp(secret: string, host: HostSite, talk = false): Promise<LoquatServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-e2e-frame-'));
  run.dirs.push(dataDir);
  addUser(dataDir, ALICE);
  const env: Record<string, string> = {
    ...loginEnv(secret),
    LOQUAT_DEMO_TOKENS_PER_SEC: '2000',
    LOQUAT_FRAME_ANCESTORS: host.origin,
  };
  if (talk) env.LOQUAT_WINDOW_MESSAGE_ORIGINS = host.origin;
  run.app = await LoquatServer.start({ dataDir, env });
  return run.app;
}

/** Requests to the app (its origin) that carried a cookie, by any page. */
function watchCookies(page: Page, appOrigin: () => string): string[] {
  const carried: string[] = [];
  page.on('request', async (request) => {
    if (!request.url().startsWith(appOrigin())) return;
    const headers = await request.allHeaders();
    if (headers['cookie']) carried.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });
  return carried;
}

test('inside a frame of another site, a user signs in in a popup and chats without cookies', async ({ page, context }) => {
  const host = await hostSite(() => run.app!.url);
  run.hosts.push(host);
  const app = await startApp(createSecret(), host);
  const cookies = watchCookies(page, () => app.url);

  await page.goto(`${host.origin}/`);
  const frame = page.frameLocator('#chat');
  await expect(frame.getByTestId('frame-sign-in-page')).toBeVisible();
  const [popup] = await Promise.all([page.waitForEvent('popup'), frame.getByTestId('frame-sign-in').click()]);
  // The popup is the app's own site: the login page, as usual.
  await signInPopup(popup, ALICE);

  // The frame is signed in as alice, hydrated and connected.
  await frameReady(frame);
  await expect(frame.getByTestId('user-name')).toHaveText(ALICE.displayName!);
  await say(frame, 'hello from the frame');
  await expect(frame.locator('[data-testid="message"][data-type="user_message"]').last()).toContainText(
    'hello from the frame',
  );

  // An upload (a script's request) and its picture (the browser's own
  // load, with the media token).
  const input = frame.getByTestId('composer-input');
  await input.click();
  await input.pressSequentially('/upload');
  await input.press('Enter');
  const ask = frame.getByTestId('ask');
  await ask.getByTestId('ask-input').setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: PNG });
  await expect(ask.locator('[data-testid="attachment"][data-state="ready"]')).toHaveCount(1);
  await ask.getByTestId('ask-submit').click();
  const picture = frame
    .locator('[data-testid="message"][data-type="user_message"]')
    .last()
    .locator('[data-testid="element"][data-element-type="image"] img');
  await expect(picture).toHaveAttribute('src', /^\/element\/[\w-]+\/content\?media_token=/);
  await expect.poll(() => picture.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(1);

  // A reload of the host page: this browser blocks the frame's storage
  // along with its cookies, so the frame asks again; the popup finds the
  // user signed in on the app's own site and closes by itself. The
  // history (server functions) has the thread.
  await page.reload();
  await expect(frame.getByTestId('frame-sign-in-page')).toBeVisible();
  const [again] = await Promise.all([page.waitForEvent('popup'), frame.getByTestId('frame-sign-in').click()]);
  await again.waitForEvent('close');
  await frameReady(frame);
  await expect(frame.getByTestId('user-name')).toHaveText(ALICE.displayName!);
  await expect(frame.getByTestId('thread-item').filter({ hasText: 'hello from the frame' })).toHaveCount(1);

  // The app in a tab of its own is signed in by the popup's cookie; signing
  // out in the frame leaves that sign-in alone.
  const tab = await context.newPage();
  await tab.goto(`${app.url}/`);
  await expect(tab.getByTestId('user-name')).toHaveText(ALICE.displayName!);
  await frame.getByTestId('logout').click();
  await expect(frame.getByTestId('frame-sign-in-page')).toBeVisible();
  await expect(frame.getByTestId('login-notice')).toHaveText('You have signed out.');
  await tab.reload();
  await expect(tab.getByTestId('user-name')).toHaveText(ALICE.displayName!);
  await tab.close();

  expect(cookies, 'requests of the frame that carried a cookie').toEqual([]);
});

test('a host page hands the frame a token its backend minted', async ({ page }) => {
  const secret = createSecret();
  const host = await hostSite(
    () => run.app!.url,
    () => mintToken(secret, 'dana@example.com', 'Dana from the host'),
  );
  run.hosts.push(host);
  const app = await startApp(secret, host, true);
  const cookies = watchCookies(page, () => app.url);

  await page.goto(`${host.origin}/`);
  const frame = page.frameLocator('#chat');
  await frameReady(frame);
  await expect(frame.getByTestId('user-name')).toHaveText('Dana from the host');
  await say(frame, 'hello from the host');
  await expect(frame.locator('[data-testid="message"][data-type="user_message"]').last()).toContainText(
    'hello from the host',
  );
  expect(cookies, 'requests of the frame that carried a cookie').toEqual([]);
});

test('a frame whose token is refused asks the user to sign in', async ({ page }) => {
  const secret = createSecret();
  // The host hands over a token minted with another secret.
  const host = await hostSite(
    () => run.app!.url,
    () => mintToken(createSecret(), 'mallory@example.com', 'Mallory'),
  );
  run.hosts.push(host);
  await startApp(secret, host, true);
  await page.goto(`${host.origin}/`);
  const frame = page.frameLocator('#chat');
  await expect(frame.getByTestId('frame-sign-in-page')).toBeVisible();
  await expect(frame.getByTestId('login-error')).toHaveText('The sign-in token is not valid or has expired.');
  await expect(frame.getByTestId('frame-sign-in')).toBeVisible();
  await expect(frame.getByTestId('user-menu')).toHaveCount(0);
});

/** Signs `user` in on the popup's login page; the popup hands the frame
 *  its token and closes. */
async function signInPopup(popup: Page, user: TestUser): Promise<void> {
  await expect(popup.getByTestId('login-page')).toBeVisible();
  const closed = popup.waitForEvent('close');
  await popup.getByTestId('login-username').fill(user.name);
  await popup.getByTestId('login-password').fill(user.password);
  await popup.getByTestId('login-submit').click();
  await closed;
}
