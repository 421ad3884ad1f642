/**
 * Sign-in through a real OpenID provider (oidc-provider, end2end/idp/oidc.mjs)
 * in the browser: Loquat's login page, the provider's own login form, and
 * back to the chat signed in; a wrong password, cancelling at the provider,
 * and an ID token with the wrong nonce.
 *
 * One provider and one Loquat server for the file. The Loquat port is picked
 * first, because the provider must know the redirect URI
 * (`http://127.0.0.1:<port>/auth/oauth/generic/callback`) before Loquat can
 * be pointed at the provider's issuer (OAUTH_GENERIC_*). Each test runs in
 * its own browser context, so no provider session or Loquat sign-in carries
 * over from one test to the next. Every address is 127.0.0.1, never
 * localhost: the redirect URI has to match exactly.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { test, expect, assistantMessages, content, userMessages, waitReady, exchange } from './support/fixtures';
import { LOGIN_TEXT, SESSION_COOKIE, createSecret, pathOf, watchErrors } from './support/auth';
import { startOidcProvider, type OidcProvider } from './support/idp';
import { LoquatServer, freePort } from './support/server';

const CLIENT_ID = 'loquat-e2e';
/** The provider's password for every login (end2end/idp/lib/accounts.mjs). */
const IDP_PASSWORD = 'wonderland';
/** What the provider's form says to a wrong password (end2end/idp/oidc-login.mjs). */
const IDP_BAD_PASSWORD = 'Invalid login or password.';

let idp: OidcProvider;
let site: LoquatServer;

test.beforeAll(async () => {
  const port = await freePort();
  const clientSecret = randomBytes(24).toString('base64url');
  idp = await startOidcProvider({
    clientId: CLIENT_ID,
    clientSecret,
    redirectUris: [`http://127.0.0.1:${port}/auth/oauth/generic/callback`],
  });
  site = await LoquatServer.start({
    port,
    env: {
      LOQUAT_AUTH_SECRET: createSecret(),
      OAUTH_GENERIC_CLIENT_ID: CLIENT_ID,
      OAUTH_GENERIC_CLIENT_SECRET: clientSecret,
      OAUTH_GENERIC_ISSUER: idp.issuer,
      // Fast replies: these tests are about signing in, not about streaming.
      LOQUAT_DEMO_TOKENS_PER_SEC: '1000',
    },
  });
});

test.afterAll(async () => {
  await site?.dispose();
  await idp?.stop();
});

// Every page of the file talks to the shared server. Playwright also
// resolves this once before beforeAll has run, when there is no server yet.
test.use({
  baseURL: async ({}, use) => {
    await use(site?.url);
  },
});

test.afterEach(async ({}, testInfo) => {
  // A test that failed half-way must not leave a tamper mode for the next.
  if (idp) await idp.setMode('normal');
  if (testInfo.status === testInfo.expectedStatus) return;
  for (const [name, log] of [
    ['loquat server', site?.logs()],
    ['oidc provider', idp?.logs()],
  ] as const) {
    if (log === undefined) continue;
    await testInfo.attach(`${name}.log`, { body: log, contentType: 'text/plain' });
    process.stderr.write(
      `\n----- ${name} log (${testInfo.titlePath.join(' › ')}) -----\n${log}\n----- end of ${name} log -----\n`,
    );
  }
});

/** Loquat's login page with only the provider's button (no password form). */
async function expectProviderButtonPage(page: Page, next = '/'): Promise<void> {
  await expect(page).toHaveURL((url) => url.origin === site.url && url.pathname === '/login');
  await expect(page).toHaveURL((url) => url.searchParams.get('next') === next);
  await expect(page.getByTestId('login-page')).toBeVisible();
  await expect(page.getByTestId('oauth-generic')).toHaveText('Continue with OpenID Connect');
  await expect(page.getByTestId('login-form')).toHaveCount(0);
}

/** The provider's login form (its own page, on its own origin). */
function providerForm(page: Page) {
  return {
    login: page.locator('input[name="login"]'),
    password: page.locator('input[name="password"]'),
    submit: page.getByRole('button', { name: 'Sign in' }),
    cancel: page.getByRole('link', { name: 'Cancel' }),
    error: page.locator('#error'),
  };
}

/** From `/`: sent to Loquat's login page, then on to the provider's form. */
async function openProviderForm(page: Page) {
  const home = await page.goto('/');
  expect(home?.request().redirectedFrom()?.url()).toBe(`${site.url}/`);
  await expectProviderButtonPage(page, '/');
  await page.getByTestId('oauth-generic').click();
  await expect(page).toHaveURL((url) => url.origin === idp.issuer && /^\/interaction\/[^/]+$/.test(url.pathname));
  const form = providerForm(page);
  await expect(form.login).toBeEditable();
  await expect(form.password).toHaveAttribute('type', 'password');
  await expect(form.error).toHaveCount(0);
  return form;
}

/** How often the server has logged a sign-in refused over its nonce. */
function nonceRefusals(): number {
  const lines = site.logs().split('\n');
  return lines.filter((line) => /OAuth sign-in failed/.test(line) && /nonce/i.test(line)).length;
}

async function signedInStatus(page: Page): Promise<number> {
  return (await page.request.get('/auth/user')).status();
}

test('alice signs in at the provider, chats, stays signed in across a reload and signs out', async ({
  page,
  context,
}) => {
  const form = await openProviderForm(page);

  // Loquat asked for a code flow with PKCE, state and nonce, for its callback.
  const asked = await idp.lastAuthorize();
  expect(asked).toMatchObject({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: `${site.url}/auth/oauth/generic/callback`,
    code_challenge_method: 'S256',
  });
  expect(asked.scope.split(' ')).toContain('openid');
  for (const key of ['state', 'nonce', 'code_challenge']) expect(asked[key], key).toMatch(/^[\w-]{16,}$/);

  await form.login.fill('alice');
  await form.password.fill(IDP_PASSWORD);
  await form.submit.click();

  // Back on the chat page, signed in as the provider's alice.
  await expect(page).toHaveURL(`${site.url}/`);
  await waitReady(page);
  await expect(page.getByTestId('user-name')).toHaveText('Alice');
  const avatar = page.getByTestId('user-menu').locator('img');
  await expect(avatar).toHaveAttribute('src', `${idp.issuer}/avatar/alice.png`);
  // The picture really loads (from the provider).
  await expect.poll(() => avatar.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  const me = await page.request.get('/auth/user');
  expect(me.status()).toBe(200);
  expect((await me.json()) as object).toMatchObject({ user: { name: 'Alice' } });
  const cookie = (await context.cookies(site.url)).find((c) => c.name === SESSION_COOKIE);
  expect(cookie?.httpOnly).toBe(true);

  // The chat works, and a reload keeps her signed in on her conversation.
  await exchange(page, 'hello through the provider');
  await expect(content(assistantMessages(page).last())).toContainText('hello through the provider');
  await expect(page).toHaveURL(/\/thread\/[\w-]+$/);
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('user-name')).toHaveText('Alice');
  await expect(page.getByTestId('user-menu').locator('img')).toHaveAttribute('src', `${idp.issuer}/avatar/alice.png`);
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('hello through the provider');
  await expect(assistantMessages(page)).toHaveCount(1);

  // Signing out: the login page says so, and Loquat no longer knows her.
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL((url) => url.pathname === '/login' && url.searchParams.get('signed_out') === '1');
  await expect(page.getByTestId('login-notice')).toHaveText(LOGIN_TEXT.signedOut);
  await expect(page.getByTestId('login-error')).toHaveCount(0);
  await expect(page.getByTestId('oauth-generic')).toBeVisible();
  expect(await signedInStatus(page)).toBe(401);
  await page.goto('/');
  await expectProviderButtonPage(page, '/');
});

test('a wrong password keeps alice on the provider form with its error; the right one signs her in', async ({
  page,
}) => {
  const form = await openProviderForm(page);
  await form.login.fill('alice');
  await form.password.fill('not-wonderland');
  await form.submit.click();

  await expect(form.error).toHaveText(IDP_BAD_PASSWORD);
  await expect(page).toHaveURL((url) => url.origin === idp.issuer && /^\/interaction\/[^/]+\/login$/.test(url.pathname));
  await expect(form.login).toHaveValue('alice');
  await expect(form.password).toHaveValue('');
  expect(await signedInStatus(page)).toBe(401);

  // The same form, tried again, works.
  await form.password.fill(IDP_PASSWORD);
  await form.submit.click();
  await expect(page).toHaveURL(`${site.url}/`);
  await waitReady(page);
  await expect(page.getByTestId('user-name')).toHaveText('Alice');
  expect(await signedInStatus(page)).toBe(200);
});

test('cancelling at the provider comes back to the login page with its message', async ({ page }) => {
  const form = await openProviderForm(page);
  await form.cancel.click();

  await expect(page).toHaveURL(
    (url) =>
      url.origin === site.url &&
      url.pathname === '/login' &&
      url.searchParams.get('error') === 'oauth_denied' &&
      url.searchParams.get('next') === '/',
  );
  await expect(page.getByTestId('login-error')).toHaveText(LOGIN_TEXT.oauthDenied);
  await expect(page.getByRole('alert')).toHaveText(LOGIN_TEXT.oauthDenied);
  await expect(page.getByTestId('oauth-generic')).toBeVisible();
  await expect(page.getByTestId('user-menu')).toHaveCount(0);
  expect(await signedInStatus(page)).toBe(401);
});

test('an ID token with the wrong nonce is refused: back on the login page, not signed in', async ({ page, context }) => {
  const form = await openProviderForm(page);
  await form.login.fill('alice');
  await form.password.fill(IDP_PASSWORD);
  // The next token response (Loquat's, once the browser is back at its
  // callback) carries an ID token whose nonce is not the one Loquat sent.
  await idp.setMode('wrong_nonce');
  const refusedBefore = nonceRefusals();
  await form.submit.click();

  await expect(page).toHaveURL(
    (url) => url.origin === site.url && url.pathname === '/login' && url.searchParams.get('error') === 'oauth_failed',
    { timeout: 15_000 },
  );
  expect(pathOf(page)).toBe('/login?error=oauth_failed&next=%2F');
  await expect(page.getByTestId('login-error')).toHaveText(LOGIN_TEXT.oauthFailed);
  await expect(page.getByTestId('user-menu')).toHaveCount(0);
  expect(await signedInStatus(page)).toBe(401);
  expect((await context.cookies(site.url)).find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
  // The tampered token was the one Loquat got, and its nonce check said no.
  expect(await idp.mode()).toMatchObject({ mode: 'normal', last_applied: 'wrong_nonce' });
  await expect.poll(nonceRefusals).toBe(refusedBefore + 1);

  // Nothing is stuck: signing in again (a fresh, honest token) works. The
  // provider remembers alice, so it sends her straight back.
  await page.getByTestId('oauth-generic').click();
  await expect(page).toHaveURL(`${site.url}/`, { timeout: 15_000 });
  await waitReady(page);
  await expect(page.getByTestId('user-name')).toHaveText('Alice');
});

test('a deep link goes through the provider and lands on the thread, which is still hers', async ({
  page,
  browser,
}) => {
  const form = await openProviderForm(page);
  await form.login.fill('alice');
  await form.password.fill(IDP_PASSWORD);
  await form.submit.click();
  await expect(page).toHaveURL(`${site.url}/`);
  await waitReady(page);
  await exchange(page, 'find this thread again');
  await expect(page).toHaveURL(/\/thread\/[\w-]+$/);
  const path = new URL(page.url()).pathname;

  // Another browser: no Loquat cookie and no provider session.
  const other = await browser.newContext({ baseURL: site.url });
  try {
    const tab = await other.newPage();
    const errors = watchErrors(tab);
    await tab.goto(path);
    await expectProviderButtonPage(tab, path);
    await tab.getByTestId('oauth-generic').click();
    const there = providerForm(tab);
    await expect(there.login).toBeEditable();
    await there.login.fill('alice');
    await there.password.fill(IDP_PASSWORD);
    await there.submit.click();

    await expect(tab).toHaveURL(`${site.url}${path}`);
    await waitReady(tab);
    await expect(tab.getByTestId('user-name')).toHaveText('Alice');
    await expect(userMessages(tab)).toHaveCount(1);
    await expect(userMessages(tab).first()).toContainText('find this thread again');
    await expect(assistantMessages(tab)).toHaveCount(1);
    expect(errors).toEqual([]);
  } finally {
    await other.close();
  }
});
