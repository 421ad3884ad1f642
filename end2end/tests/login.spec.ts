/**
 * Password sign-in with the built-in users: the login page, signing in and
 * out, deep links through the login page, what a second user cannot see,
 * an open tab whose sign-in ends elsewhere, and the whole flow with
 * JavaScript off.
 *
 * One server for the file (logins on, users added with `loquat users add`
 * before it starts); each test signs in its own user or in its own browser
 * context, so the tests do not depend on each other. The server allows 30
 * sign-in attempts a minute from one address and 10 for one account; one
 * run of the file makes 16 (alice 4), so `--repeat-each 2` still fits.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import {
  test,
  expect,
  DEMO,
  assistantMessages,
  content,
  sendMessage,
  userMessages,
  waitReady,
  exchange,
  threadIdOf,
} from './support/fixtures';
import {
  LOGIN_TEXT,
  SESSION_COOKIE,
  addUser,
  expectLoginPage,
  removeUser,
  signIn,
  submitLogin,
  useLoginServer,
  watchErrors,
  type TestUser,
} from './support/auth';

const USERS: TestUser[] = [
  { name: 'alice', password: 'alice-loquat-1' },
  { name: 'bob', password: 'bob-loquat-22' },
  { name: 'carol', password: 'carol-loquat-333' },
  { name: 'dave', password: 'dave-loquat-4444', displayName: 'Dave D.' },
  { name: 'erin', password: 'erin-loquat-55555' },
  { name: 'gina', password: 'gina-loquat-666666' },
];

// Every page of the file talks to this server (and no test starts a server
// of its own). Fast replies: these tests are about who sees what, not about
// streaming.
const site = useLoginServer(USERS, { LOQUAT_DEMO_TOKENS_PER_SEC: '1000' });

/** Opens `/` signed out, is sent to the login page and signs `user` in;
 *  ends on the chat page, ready to send. */
async function signInFromHome(page: Page, user: TestUser): Promise<void> {
  await page.goto('/');
  await expectLoginPage(page, '/');
  await signIn(page, user);
  await expect(page).toHaveURL((url) => url.pathname === '/');
  await waitReady(page);
}

/** A second browser (own cookies) on the shared server. */
async function otherBrowser(browser: Browser, options: { javaScriptEnabled?: boolean; locale?: string } = {}) {
  const context = await browser.newContext({ baseURL: site().url, ...options });
  const page = await context.newPage();
  return { context, page, errors: watchErrors(page) };
}

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies(site().url)).find((c) => c.name === SESSION_COOKIE);
}

/** `fetch` from outside any browser, with exactly the cookie given. */
function fetchWithCookie(path: string, cookie: string, accept = 'application/json'): Promise<Response> {
  return fetch(`${site().url}${path}`, { headers: { cookie, accept }, redirect: 'manual' });
}

function threadItems(page: Page) {
  return page.getByTestId('thread-list').getByTestId('thread-item');
}

/** The ids of the threads the page's user has, from the history API. */
async function listedThreadIds(page: Page): Promise<string[]> {
  const response = await page.request.post('/api/threads/list', { form: {}, headers: { accept: 'application/json' } });
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { threads: { id: string }[] };
  return body.threads.map((thread) => thread.id);
}

test('alice signs in, chats, stays signed in across a reload, and signs out for good', async ({ page, context }) => {
  const alice = site().user('alice');

  // Signed out, the app is the login page, complete and without messages.
  const first = await page.goto('/');
  expect(first?.status()).toBe(200);
  expect(first?.request().redirectedFrom()?.url()).toBe(`${site().url}/`);
  await expectLoginPage(page, '/');
  await expect(page.getByTestId('login-app-name')).toHaveText('Loquat');
  await expect(page.getByTestId('login-username')).toBeEditable();
  await expect(page.getByTestId('login-password')).toHaveAttribute('type', 'password');
  await expect(page.getByTestId('login-error')).toHaveCount(0);
  await expect(page.getByTestId('login-notice')).toHaveCount(0);
  expect(await sessionCookie(context)).toBeUndefined();

  await signIn(page, alice);
  await expect(page).toHaveURL(`${site().url}/`);
  const cookie = await sessionCookie(context);
  expect(cookie, 'the sign-in cookie').toBeDefined();
  expect(cookie?.httpOnly).toBe(true);
  const me = await page.request.get('/auth/user');
  expect(me.status()).toBe(200);
  expect(((await me.json()) as { user: { identifier: string } }).user.identifier).toBe('alice');

  // The chat works for her.
  await waitReady(page);
  await exchange(page, 'hello from alice');
  const reply = content(assistantMessages(page).last());
  await expect(reply.locator('h2')).toContainText(DEMO.heading);
  await expect(reply).toContainText('hello from alice');
  const threadId = await threadIdOf(page);

  // A reload keeps her signed in, on her conversation.
  await page.reload();
  await waitReady(page);
  await expect(page.getByTestId('user-name')).toHaveText('alice');
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('hello from alice');
  await expect(assistantMessages(page)).toHaveCount(1);
  await expect(content(assistantMessages(page).first())).toContainText('hello from alice');

  // Signing out: the login page says so, and the cookie is gone.
  await page.getByTestId('logout').click();
  await expect(page).toHaveURL((url) => url.pathname === '/login' && url.searchParams.get('signed_out') === '1');
  await expect(page.getByTestId('login-notice')).toHaveText(LOGIN_TEXT.signedOut);
  await expect(page.getByTestId('login-error')).toHaveCount(0);
  await expect(page.getByTestId('login-form')).toBeVisible();
  expect(await sessionCookie(context)).toBeUndefined();
  expect((await page.request.get('/auth/user')).status()).toBe(401);

  const home = await page.goto('/');
  expect(home?.request().redirectedFrom()?.url()).toBe(`${site().url}/`);
  await expectLoginPage(page, '/');

  // The sign-in ended on the server: the old cookie, replayed, is refused.
  const old = `${SESSION_COOKIE}=${cookie?.value}`;
  expect((await fetchWithCookie('/auth/user', old)).status).toBe(401);
  const visit = await fetchWithCookie(`/thread/${threadId}`, old, 'text/html');
  expect(visit.status).toBe(303);
  const to = new URL(visit.headers.get('location') ?? '', site().url);
  expect(to.pathname).toBe('/login');
  expect(to.searchParams.get('next')).toBe(`/thread/${threadId}`);
});

test('a wrong password is refused on the login page; the right one then signs in', async ({ page, context }) => {
  const carol = site().user('carol');
  await page.goto('/');
  await expectLoginPage(page, '/');

  await submitLogin(page, carol.name, 'not-carols-password');
  await expect(page).toHaveURL(
    (url) =>
      url.pathname === '/login' && url.searchParams.get('error') === 'bad_credentials' && url.searchParams.get('next') === '/',
  );
  await expect(page.getByRole('alert')).toHaveText(LOGIN_TEXT.badCredentials);
  await expect(page.getByTestId('login-error')).toHaveText(LOGIN_TEXT.badCredentials);
  await expect(page.getByTestId('login-password')).toHaveValue('');
  await expect(page.getByTestId('user-menu')).toHaveCount(0);
  expect(await sessionCookie(context)).toBeUndefined();
  expect((await page.request.get('/auth/user')).status()).toBe(401);

  // A name nobody has gets the very same answer.
  await submitLogin(page, 'nobody-by-this-name', carol.password);
  await expect(page).toHaveURL((url) => url.searchParams.get('error') === 'bad_credentials');
  await expect(page.getByTestId('login-error')).toHaveText(LOGIN_TEXT.badCredentials);
  expect(await sessionCookie(context)).toBeUndefined();

  // The form still works: typed into again, it signs carol in, on to `next`.
  const username = page.getByTestId('login-username');
  await username.fill('someone');
  await expect(username).toHaveValue('someone');
  await signIn(page, carol);
  await expect(page).toHaveURL(`${site().url}/`);
  await expect(page.getByTestId('login-error')).toHaveCount(0);
  await waitReady(page);
  expect((await page.request.get('/auth/user')).status()).toBe(200);
});

test('a deep link to a thread goes through the login page and lands on the thread', async ({ page, browser }) => {
  const alice = site().user('alice');
  await signInFromHome(page, alice);
  await exchange(page, 'come back to this thread');
  const threadId = await threadIdOf(page);

  const other = await otherBrowser(browser);
  try {
    const path = `/thread/${threadId}`;
    await other.page.goto(path);
    await expectLoginPage(other.page, path);
    await signIn(other.page, alice);
    await expect(other.page).toHaveURL(`${site().url}${path}`);
    await waitReady(other.page);
    await expect(userMessages(other.page)).toHaveCount(1);
    await expect(userMessages(other.page).first()).toContainText('come back to this thread');
    await expect(assistantMessages(other.page)).toHaveCount(1);
    await expect(content(assistantMessages(other.page).first())).toContainText('come back to this thread');
    await expect(threadItems(other.page).and(other.page.locator(`[data-thread-id="${threadId}"]`))).toHaveAttribute(
      'aria-current',
      'page',
    );

    // Signed in, the login page sends her straight on to `next`.
    await other.page.goto(`/login?next=${encodeURIComponent(path)}`);
    await expect(other.page).toHaveURL(`${site().url}${path}`);
    await expect(other.page.getByTestId('login-page')).toHaveCount(0);
    expect(other.errors).toEqual([]);
  } finally {
    await other.context.close();
  }
});

test("bob cannot see alice's thread, its export or its elements, and his history is his own", async ({
  page,
  browser,
}) => {
  const alice = site().user('alice');
  const bob = site().user('bob');

  // Alice's thread, with stored elements (the demo's `/elements`).
  await signInFromHome(page, alice);
  await sendMessage(page, '/elements');
  await expect(assistantMessages(page)).toHaveCount(1, { timeout: 30_000 });
  const elements = assistantMessages(page).last().getByTestId('element');
  await expect(elements).toHaveCount(7);
  const elementIds = await elements.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-element-id') ?? ''));
  expect(elementIds.every((id) => id.length > 0)).toBe(true);
  const threadId = await threadIdOf(page);

  // What alice herself gets at those addresses.
  const exportPath = `/api/threads/${threadId}/export?format=json`;
  const exported = await page.request.get(exportPath);
  expect(exported.status()).toBe(200);
  const exportedIds = ((await exported.json()) as { elements: { id: string }[] }).elements.map((e) => e.id);
  expect([...exportedIds].sort()).toEqual([...elementIds].sort());
  const html = { accept: 'text/html' };
  expect((await page.request.get(`/thread/${threadId}`, { headers: html })).status()).toBe(200);
  const stored: string[] = [];
  for (const id of elementIds) {
    expect((await page.request.get(`/element/${id}`, { headers: html })).status(), `alice's /element/${id}`).toBe(200);
    if ((await page.request.get(`/element/${id}/content`)).status() === 200) stored.push(id);
  }
  // Image, file, PDF, audio, video and chart are stored files.
  expect(stored.length).toBeGreaterThanOrEqual(6);

  const other = await otherBrowser(browser);
  try {
    await signInFromHome(other.page, bob);

    // Her thread is not found for him, on the page and through the API.
    const visit = await other.page.goto(`/thread/${threadId}`);
    expect(visit?.status()).toBe(404);
    await expect(other.page.getByTestId('not-found')).toBeVisible();
    await expect(other.page.getByTestId('user-name')).toHaveText('bob');
    await expect(other.page.getByText('/elements')).toHaveCount(0);
    expect((await other.page.request.get(exportPath)).status()).toBe(404);
    expect((await other.page.request.get(`/api/threads/${threadId}/export?format=jsonl`)).status()).toBe(404);
    for (const id of elementIds) {
      expect((await other.page.request.get(`/element/${id}`, { headers: html })).status(), `bob's /element/${id}`).toBe(
        404,
      );
    }
    for (const id of stored) {
      expect((await other.page.request.get(`/element/${id}/content`)).status(), `bob's /element/${id}/content`).toBe(
        404,
      );
    }
    const elementPage = await other.page.goto(`/element/${elementIds[0]}`);
    expect(elementPage?.status()).toBe(404);
    await expect(other.page.getByTestId('not-found')).toBeVisible();

    // His history lists his thread only.
    await other.page.goto('/');
    await waitReady(other.page);
    await exchange(other.page, 'bob has his own chat');
    const bobThread = await threadIdOf(other.page);
    await expect(threadItems(other.page)).toHaveCount(1);
    await expect(threadItems(other.page).first()).toHaveAttribute('data-thread-id', bobThread);
    await expect(threadItems(other.page).first()).toContainText('bob has his own chat');
    await other.page.reload();
    await waitReady(other.page);
    await expect(threadItems(other.page)).toHaveCount(1);
    await expect(threadItems(other.page).first()).toHaveAttribute('data-thread-id', bobThread);
    expect(await listedThreadIds(other.page)).toEqual([bobThread]);

    // And hers has hers, not his.
    const aliceThreads = await listedThreadIds(page);
    expect(aliceThreads).toContain(threadId);
    expect(aliceThreads).not.toContain(bobThread);
    expect(other.errors).toEqual([]);
  } finally {
    await other.context.close();
  }
});

test('with JavaScript off the login page is complete and signs in and out', async ({ browser }) => {
  const erin = site().user('erin');
  const noJs = await otherBrowser(browser, { javaScriptEnabled: false });
  try {
    const { page } = noJs;
    await page.goto('/');
    await expectLoginPage(page, '/');
    await expect(page).toHaveTitle('Sign in · Loquat');
    await expect(page.getByTestId('login-app-name')).toHaveText('Loquat');
    await expect(page.getByTestId('login-username')).toBeVisible();
    await expect(page.getByTestId('login-password')).toBeVisible();
    await expect(page.getByTestId('login-submit')).toHaveText('Sign in');
    // Styled by the app's own stylesheet, no script needed.
    const css = await page.locator('link[rel="stylesheet"]').getAttribute('href');
    expect(css).toMatch(/^\/pkg\/[\w.-]+\.css/);
    const sheet = await noJs.context.request.get(css ?? '');
    expect(sheet.status()).toBe(200);
    expect(sheet.headers()['content-type']).toContain('text/css');

    // The native form posts, the server answers 303 to the chat page.
    await signIn(page, erin);
    await expect(page).toHaveURL(`${site().url}/`);
    await expect(page.getByTestId('composer-input')).toBeVisible();
    // Server-rendered only: the page has loaded (the WebAssembly is preloaded
    // even so) and the app never started.
    await page.waitForLoadState('load');
    await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
    expect((await noJs.context.request.get('/auth/user')).status()).toBe(200);

    // Signing out is a plain form too.
    await page.getByTestId('logout').click();
    await expect(page).toHaveURL((url) => url.pathname === '/login' && url.searchParams.get('signed_out') === '1');
    await expect(page.getByTestId('login-notice')).toHaveText(LOGIN_TEXT.signedOut);
    expect((await noJs.context.request.get('/auth/user')).status()).toBe(401);
  } finally {
    await noJs.context.close();
  }
});

test('a French browser gets the login page, its errors and the signed-in page in French', async ({ browser }) => {
  const dave = site().user('dave');
  const french = await otherBrowser(browser, { locale: 'fr-FR' });
  try {
    const { page } = french;
    await page.goto('/');
    await expectLoginPage(page, '/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr-FR');
    await expect(page).toHaveTitle('Connexion · Loquat');
    await expect(page.getByTestId('login-submit')).toHaveText('Se connecter');
    await expect(page.getByText('Mot de passe')).toBeVisible();
    // Where a refused sign-in lands (without spending an attempt on it).
    await page.goto('/login?error=bad_credentials&next=/');
    await expect(page.getByTestId('login-error')).toHaveText('Le nom d’utilisateur ou le mot de passe est incorrect.');
    await signIn(page, dave);
    await waitReady(page);
    await expect(page.getByTestId('logout')).toHaveText('Se déconnecter');
  } finally {
    await french.context.close();
  }
});

test('the header shows the display name given with `users add --display-name`', async ({ page }) => {
  const dave = site().user('dave');
  await page.goto('/');
  await expectLoginPage(page, '/');
  await submitLogin(page, dave.name, dave.password);
  await expect(page.getByTestId('user-menu')).toBeVisible();
  await expect(page.getByTestId('user-menu')).toHaveAttribute('title', 'dave');
  const me = await page.request.get('/auth/user');
  expect(me.status()).toBe(200);
  expect((await me.json()) as object).toMatchObject({ user: { identifier: 'dave', name: 'Dave D.' } });
  await expect(page.getByTestId('user-name')).toHaveText('Dave D.');
});

test('a user added while the server runs can sign in; removing them ends the sign-in', async ({ page, context }) => {
  // A name of its own each run: the server outlives a test (`--repeat-each`).
  const frank: TestUser = { name: `frank-${Date.now().toString(36)}`, password: 'frank-loquat-666666' };
  await page.goto('/');
  await expectLoginPage(page, '/');
  await submitLogin(page, frank.name, frank.password);
  await expect(page.getByTestId('login-error')).toHaveText(LOGIN_TEXT.badCredentials);

  addUser(site().server.dataDir, frank);
  await signIn(page, frank);
  await waitReady(page);
  const cookie = await sessionCookie(context);
  expect(cookie).toBeDefined();
  expect((await page.request.get('/auth/user')).status()).toBe(200);

  removeUser(site().server.dataDir, frank.name);
  expect((await page.request.get('/auth/user')).status()).toBe(401);
  expect((await fetchWithCookie('/auth/user', `${SESSION_COOKIE}=${cookie?.value}`)).status).toBe(401);
  await page.goto('/');
  await expectLoginPage(page, '/');
  await submitLogin(page, frank.name, frank.password);
  await expect(page.getByTestId('login-error')).toHaveText(LOGIN_TEXT.badCredentials);
});

test('an open tab whose sign-in ends elsewhere goes to the login page by itself, and back after signing in', async ({
  page,
  context,
}) => {
  const gina = site().user('gina');
  await signInFromHome(page, gina);
  await exchange(page, 'still here when the sign-in ends?');
  const threadId = await threadIdOf(page);
  const here = `/thread/${threadId}`;
  const cookie = await sessionCookie(context);
  expect(cookie, 'the sign-in cookie').toBeDefined();
  const signedIn = `${SESSION_COOKIE}=${cookie?.value}`;

  // The tab's streaming socket, to see it closed by the server.
  const sockets: { closed: boolean }[] = [];
  page.on('websocket', (ws) => {
    const seen = { closed: false };
    sockets.push(seen);
    ws.on('close', () => (seen.closed = true));
  });
  // The socket opened before the listener: reconnecting makes a new one
  // that is watched.
  await page.reload();
  await waitReady(page);
  await expect(page).toHaveURL(`${site().url}${here}`);
  await expect.poll(() => sockets.length).toBeGreaterThanOrEqual(1);
  expect(sockets.every((s) => !s.closed), 'the socket is open while she is signed in').toBe(true);

  // Her sign-in is ended from outside the tab: the same cookie signs out
  // from a program (same origin, as the browser would say).
  const out = await fetch(`${site().url}/auth/logout`, {
    method: 'POST',
    headers: { cookie: signedIn, origin: site().url, accept: 'application/json' },
    redirect: 'manual',
  });
  expect(out.status, 'POST /auth/logout ends the sign-in').toBe(204);
  expect((await fetchWithCookie('/auth/user', signedIn)).status).toBe(401);

  // The server closes her socket at once (not at the next minutely
  // recheck), and the tab, finding nobody signed in, goes to the login
  // page with the way back. Nothing here navigates it.
  await expect.poll(() => sockets[0]?.closed, { timeout: 10_000 }).toBe(true);
  await expect(page).toHaveURL((url) => url.pathname === '/login' && url.searchParams.get('next') === here, {
    timeout: 15_000,
  });
  await expectLoginPage(page, here);
  await expect(page.getByTestId('login-error')).toHaveCount(0);
  await expect(page.getByTestId('user-menu')).toHaveCount(0);

  // Signing in again brings her back to that thread, whole.
  await signIn(page, gina);
  await expect(page).toHaveURL(`${site().url}${here}`);
  await waitReady(page);
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('still here when the sign-in ends?');
  await expect(assistantMessages(page)).toHaveCount(1);
});
