/**
 * Read-only share links: alice (signed in with a password) makes a link to
 * one of her threads from the thread menu; anyone with the link, signed out
 * and even without JavaScript, reads the thread on a page the server
 * renders (no composer, no menus, no script); stopping sharing ends the
 * link the panel shows (not another thread's, not the open thread's), and
 * sharing again replaces it; the panel closes when another thread is
 * opened; with sharing off there is no such item.
 *
 * One server for the file (logins on, LOQUAT_ALLOW_THREAD_SHARING=true);
 * each test has its own thread, and every viewer is a browser context of
 * its own (no cookies), so the tests do not depend on each other. The test
 * with sharing off runs a default server of its own.
 */
import type { Browser, Page, Response } from '@playwright/test';
import {
  test,
  expect,
  DEMO,
  assistantMessages,
  content,
  messages,
  userMessages,
  waitReady,
  exchange,
  threadIdOf,
} from './support/fixtures';
import { expectLoginPage, signIn, useLoginServer, watchErrors, type TestUser } from './support/auth';
import { LoquatServer } from './support/server';

const USERS: TestUser[] = [{ name: 'alice', password: 'alice-shares-1' }];

/** What the share panel and the shared pages say
 *  (app/src/components/layout/share_panel.rs, server/src/http/shared_page.rs). */
const TEXT = {
  shareItem: 'Share a read-only link…',
  revoke: 'Stop sharing',
  revoked: 'The link no longer works.',
};

// Pages talk to this server. Fast replies: these tests are about sharing,
// not about streaming.
const site = useLoginServer(USERS, { LOQUAT_ALLOW_THREAD_SHARING: 'true', LOQUAT_DEMO_TOKENS_PER_SEC: '1000' });

/** Signs alice in from `/` and has one exchange with `text`: her saved
 *  thread, its id and the name the sidebar shows for it. */
async function aliceThread(page: Page, text: string): Promise<{ threadId: string; name: string }> {
  await page.goto('/');
  await expectLoginPage(page, '/');
  await signIn(page, site().user('alice'));
  await waitReady(page);
  await exchange(page, text);
  const threadId = await threadIdOf(page);
  const item = page.getByTestId('thread-list').locator(`[data-testid="thread-item"][data-thread-id="${threadId}"]`);
  const name = item.getByTestId('thread-name');
  await expect(name).toHaveText(/\S/);
  return { threadId, name: (await name.innerText()).trim() };
}

/** The thread `threadId` in the history sidebar. */
function threadItem(page: Page, threadId: string) {
  return page.getByTestId('thread-list').locator(`[data-testid="thread-item"][data-thread-id="${threadId}"]`);
}

/** Starts a new chat (alice is signed in already) and has one exchange
 *  with `text`: her second saved thread (not `other`), its id and name. */
async function anotherThread(page: Page, text: string, other: string): Promise<{ threadId: string; name: string }> {
  await page.getByTestId('new-chat').click();
  await expect(page).toHaveURL((url) => url.pathname === '/');
  await expect(userMessages(page)).toHaveCount(0);
  await exchange(page, text);
  const threadId = await threadIdOf(page);
  expect(threadId, 'a thread of its own').not.toBe(other);
  const name = threadItem(page, threadId).getByTestId('thread-name');
  await expect(name).toHaveText(/\S/);
  return { threadId, name: (await name.innerText()).trim() };
}

/** Opens `threadId` from the history sidebar, as a user would, and waits
 *  until it shows (its one exchange, about `text`). */
async function openFromHistory(page: Page, threadId: string, text: string): Promise<void> {
  await threadItem(page, threadId).getByTestId('thread-name').click();
  await expect(page).toHaveURL(new RegExp(`/thread/${threadId}$`));
  await expect(threadItem(page, threadId)).toHaveAttribute('aria-current', 'page');
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText(text);
  await expect(assistantMessages(page)).toHaveCount(1);
  await expect(content(assistantMessages(page).first())).toContainText(text);
}

/** A share link as the panel shows them: absolute, on this server. */
function linkPattern(): RegExp {
  return new RegExp(`^${site().url.replace(/\./g, '\\.')}/share/[0-9a-f]{64}$`);
}

/** Opens the thread menu and picks "Share a read-only link…"; returns the
 *  link the panel then shows (a different one than `previous`, if given). */
async function share(page: Page, previous?: string): Promise<string> {
  // An open panel covers the menu's items (both popups sit at the same
  // place), so it is closed first, as a user would.
  const open = page.getByTestId('share-panel');
  if ((await open.count()) > 0) {
    await open.getByRole('button', { name: 'Close' }).click();
    await expect(open).toHaveCount(0);
  }
  await page.getByTestId('thread-menu').click();
  const item = page.getByTestId('share');
  await expect(item).toHaveText(TEXT.shareItem);
  await item.click();
  const panel = page.getByTestId('share-panel');
  await expect(panel).toBeVisible();
  const input = panel.getByTestId('share-link');
  await expect(input).toHaveValue(linkPattern());
  if (previous !== undefined) await expect.poll(() => input.inputValue()).not.toBe(previous);
  await expect(input).toHaveAttribute('readonly', '');
  await expect(panel.getByTestId('share-revoke')).toHaveText(TEXT.revoke);
  await expect(panel.getByTestId('share-revoked')).toHaveCount(0);
  return input.inputValue();
}

/** A browser context of its own: no cookies, no sign-in. */
async function viewer(browser: Browser, options: { javaScriptEnabled?: boolean } = {}) {
  const context = await browser.newContext(options);
  expect(await context.cookies()).toEqual([]);
  const page = await context.newPage();
  return { context, page, errors: watchErrors(page) };
}

type Viewer = Awaited<ReturnType<typeof viewer>>;

/** Runs `look` as a signed-out viewer with JavaScript, who must see no
 *  browser errors; the viewer's context is closed afterwards. */
async function asViewer(browser: Browser, look: (anon: Viewer) => Promise<void>): Promise<void> {
  const anon = await viewer(browser);
  try {
    await look(anon);
    expect(anon.errors).toEqual([]);
  } finally {
    await anon.context.close();
  }
}

/** The headers every shared page (found or not) is sent with. */
function expectPrivate(response: Response | null): void {
  expect(response, 'a response').not.toBeNull();
  const headers = response?.headers() ?? {};
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['referrer-policy']).toBe('no-referrer');
}

/** The shared page at `link`: the thread, read-only, nothing of the app. */
async function expectSharedThread(page: Page, link: string, name: string, text: string): Promise<void> {
  const response = await page.goto(link);
  expect(response?.status()).toBe(200);
  expect(response?.request().redirectedFrom()).toBeNull();
  expect(page.url()).toBe(link);
  expectPrivate(response);
  // Complete as served: no script at all.
  const html = (await response?.text()) ?? '';
  expect(html).toContain('data-testid="shared-thread"');
  expect(html).not.toMatch(/<script/i);

  await expect(page.getByRole('main')).toHaveAttribute('data-testid', 'shared-thread');
  await expect(page.getByTestId('shared-thread-name')).toHaveText(name);
  await expect(page.locator('h1[data-testid="shared-thread-name"]')).toHaveCount(1);
  await expect(page).toHaveTitle(new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · `));
  await expect(messages(page)).toHaveCount(2);
  await expect(messages(page).nth(0)).toHaveAttribute('data-type', 'user_message');
  await expect(messages(page).nth(1)).toHaveAttribute('data-type', 'assistant_message');
  await expect(page.locator('article[data-testid="message"]')).toHaveCount(2);
  // The server's markup (no `message-content` test id there).
  await expect(messages(page).nth(0).locator('.message-content')).toHaveText(text);
  const reply = messages(page).nth(1).locator('.message-content');
  await expect(reply.locator('h2')).toContainText(DEMO.heading);
  await expect(reply).toContainText(text);

  // Read-only and nothing of the app around it.
  for (const absent of ['composer', 'composer-input', 'composer-send', 'user-menu', 'thread-menu', 'share', 'logout']) {
    await expect(page.getByTestId(absent), absent).toHaveCount(0);
  }
  await expect(page.locator('script')).toHaveCount(0);
  await expect(page.locator('textarea, input, form')).toHaveCount(0);
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
}

/** The not-found page a dead link gives. */
async function expectDeadLink(page: Page, link: string): Promise<void> {
  const response = await page.goto(link);
  expect(response?.status()).toBe(404);
  expectPrivate(response);
  await expect(page.getByTestId('shared-not-found')).toBeVisible();
  await expect(page.getByTestId('shared-thread')).toHaveCount(0);
  await expect(messages(page)).toHaveCount(0);
}

test('alice shares a thread: signed out, with and without JavaScript, anyone with the link reads it', async ({
  page,
  browser,
}) => {
  const text = 'a conversation worth sharing';
  const { threadId, name } = await aliceThread(page, text);
  const link = await share(page);
  expect(link).not.toContain(threadId);
  expect(link).not.toContain(threadId.replace(/-/g, ''));

  await asViewer(browser, async (anon) => {
    await expectSharedThread(anon.page, link, name, text);
    // The link opens that page only: the thread itself still needs alice.
    await anon.page.goto(`${site().url}/thread/${threadId}`);
    await expectLoginPage(anon.page, `/thread/${threadId}`);
    expect((await anon.context.request.get(`${site().url}/api/threads/${threadId}/export`)).status()).not.toBe(200);
  });

  const noJs = await viewer(browser, { javaScriptEnabled: false });
  try {
    await expectSharedThread(noJs.page, link, name, text);
    // Styled by the app's own stylesheet.
    const css = await noJs.page.locator('link[rel="stylesheet"]').getAttribute('href');
    expect(css).toMatch(/^\/pkg\/[\w.-]+\.css/);
    const sheet = await noJs.context.request.get(new URL(css ?? '', site().url).href);
    expect(sheet.status()).toBe(200);
    expect(sheet.headers()['content-type']).toContain('text/css');
  } finally {
    await noJs.context.close();
  }

  // Alice herself, signed in, gets the same read-only page.
  const own = await page.context().newPage();
  try {
    await expectSharedThread(own, link, name, text);
  } finally {
    await own.close();
  }
});

test('stop sharing: the link gives the not-found page from then on', async ({ page, browser }) => {
  const text = 'shared for a moment only';
  const { threadId, name } = await aliceThread(page, text);
  const link = await share(page);

  await asViewer(browser, async (anon) => {
    // It works before it is revoked…
    await expectSharedThread(anon.page, link, name, text);

    const panel = page.getByTestId('share-panel');
    await panel.getByTestId('share-revoke').click();
    await expect(panel.getByTestId('share-revoked')).toHaveText(TEXT.revoked);
    await expect(panel.getByTestId('share-link')).toHaveCount(0);
    await expect(panel.getByTestId('share-revoke')).toHaveCount(0);

    // …and not after, neither for the viewer nor through a reload.
    await expectDeadLink(anon.page, link);
    await anon.page.reload();
    await expect(anon.page.getByTestId('shared-not-found')).toBeVisible();
    const again = await anon.context.request.get(link);
    expect(again.status()).toBe(404);
    expect(await again.text()).not.toContain(text);
  });

  // The thread itself is still alice's, whole.
  await page.reload();
  await waitReady(page);
  await expect(page).toHaveURL(new RegExp(`/thread/${threadId}$`));
  await expect(assistantMessages(page)).toHaveCount(1);
  await expect(content(assistantMessages(page).first())).toContainText(text);
});

test('sharing again makes a new link: the first one stops working, the second works', async ({ page, browser }) => {
  const text = 'share me twice';
  const { name } = await aliceThread(page, text);
  const first = await share(page);
  await asViewer(browser, async (anon) => {
    await expectSharedThread(anon.page, first, name, text);

    const second = await share(page, first);
    expect(second).not.toBe(first);
    await expectDeadLink(anon.page, first);
    await expectSharedThread(anon.page, second, name, text);

    // A made-up token of the right shape finds nothing either.
    await expectDeadLink(anon.page, `${site().url}/share/${'0f'.repeat(32)}`);
  });
});

test('the share panel closes when another thread is opened from the history, and closing it keeps the link', async ({
  page,
  browser,
}) => {
  const first = { text: 'the first of two threads' };
  const second = { text: 'the second of two threads' };
  const a = await aliceThread(page, first.text);
  const b = await anotherThread(page, second.text, a.threadId);
  const link = await share(page);
  const panel = page.getByTestId('share-panel');
  await expect(panel.getByTestId('share-link')).toHaveValue(link);

  // The panel is about the thread it was opened on: showing another closes it.
  await openFromHistory(page, a.threadId, first.text);
  await expect(panel).toHaveCount(0);
  await expect(page.getByTestId('share-link')).toHaveCount(0);

  // It does not come back with its thread either.
  await openFromHistory(page, b.threadId, second.text);
  await expect(panel).toHaveCount(0);

  // Closed is not revoked: the link still opens the second thread.
  await asViewer(browser, async (anon) => {
    await expectSharedThread(anon.page, link, b.name, second.text);
  });
});

test("stop sharing ends the link the panel shows, and another thread's link keeps working", async ({
  page,
  browser,
}) => {
  const first = { text: 'shared and left shared' };
  const second = { text: 'shared, then not' };
  const a = await aliceThread(page, first.text);
  const linkA = await share(page);
  const b = await anotherThread(page, second.text, a.threadId);
  // The new chat closed the first thread's panel.
  await expect(page.getByTestId('share-panel')).toHaveCount(0);
  const linkB = await share(page);
  expect(linkB).not.toBe(linkA);

  await asViewer(browser, async (anon) => {
    // Both links work before…
    await expectSharedThread(anon.page, linkA, a.name, first.text);
    await expectSharedThread(anon.page, linkB, b.name, second.text);

    const panel = page.getByTestId('share-panel');
    await expect(panel.getByTestId('share-link')).toHaveValue(linkB);
    await panel.getByTestId('share-revoke').click();
    await expect(panel.getByTestId('share-revoked')).toHaveText(TEXT.revoked);

    // …after, the one it showed is dead and the other thread's still works.
    await expectDeadLink(anon.page, linkB);
    await expectSharedThread(anon.page, linkA, a.name, first.text);
  });

  // Both threads are still alice's, whole.
  await openFromHistory(page, a.threadId, first.text);
  await openFromHistory(page, b.threadId, second.text);
});

test('a link that comes after another thread was opened is not shown over it, and both links keep working', async ({
  page,
  browser,
}) => {
  const first = { text: 'asked to share, then left' };
  const second = { text: 'opened while the link was coming' };
  const a = await aliceThread(page, first.text);
  const b = await anotherThread(page, second.text, a.threadId);
  const linkB = await share(page);
  const panel = page.getByTestId('share-panel');
  await openFromHistory(page, a.threadId, first.text);
  await expect(panel).toHaveCount(0);

  // Alice asks for a link to the first thread and opens the second before
  // it comes (a slow server: the request is held here until then).
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked = 0;
  await page.route('**/api/threads/share', async (route) => {
    asked += 1;
    await held;
    await route.continue();
  });
  await page.getByTestId('thread-menu').click();
  await page.getByTestId('share').click();
  await expect.poll(() => asked).toBe(1);
  await expect(panel).toBeVisible();
  await openFromHistory(page, b.threadId, second.text);
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/threads/share');
  release();
  const answer = await answered;
  expect(answer.status()).toBe(200);
  const linkA = `${site().url}${JSON.parse(await answer.text()) as string}`;
  expect(linkA).toMatch(linkPattern());
  await page.unroute('**/api/threads/share');
  await answer.finished();

  // The first thread's link is not shown over the second: the panel stays
  // closed (checked again after the page has handled a click since).
  await expect(panel).toHaveCount(0);
  await page.getByTestId('thread-menu').click();
  await expect(page.getByTestId('share')).toBeVisible();
  await expect(panel).toHaveCount(0);
  await expect(page.getByTestId('share-link')).toHaveCount(0);

  // Nothing was revoked: both links open their own thread.
  await asViewer(browser, async (anon) => {
    await expectSharedThread(anon.page, linkA, a.name, first.text);
    await expectSharedThread(anon.page, linkB, b.name, second.text);
  });
});

test('with sharing off (the default) the thread menu has no share item and no link works', async ({ browser }) => {
  const off = await LoquatServer.start({ env: { LOQUAT_DEMO_TOKENS_PER_SEC: '1000' } });
  const context = await browser.newContext({ baseURL: off.url });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto('/');
    await waitReady(page);
    await exchange(page, 'nothing to share here');
    const threadId = await threadIdOf(page);

    // The menu is open and has the saved thread's items, but not sharing.
    await page.getByTestId('thread-menu').click();
    await expect(page.getByTestId('thread-menu')).toHaveAttribute('aria-expanded', 'true');
    await expect(page.getByTestId('download-json')).toBeVisible();
    await expect(page.getByRole('menuitem')).not.toHaveCount(0);
    await expect(page.getByTestId('share')).toHaveCount(0);
    await expect(page.getByRole('menuitem', { name: TEXT.shareItem })).toHaveCount(0);
    await expect(page.getByTestId('share-panel')).toHaveCount(0);

    // Nor does the server make a link when asked directly.
    const asked = await context.request.post('/api/threads/share', {
      form: { id: threadId },
      headers: { accept: 'application/json' },
    });
    expect(asked.status()).toBe(404);
    expect(await asked.text()).not.toMatch(/\/share\/[0-9a-f]{64}/);
    const made = await page.goto(`/share/${'ab'.repeat(32)}`);
    expect(made?.status()).toBe(404);
    await expect(page.getByTestId('shared-not-found')).toBeVisible();
    expect(errors).toEqual([]);
  } catch (err) {
    process.stderr.write(`\n----- loquat server log (sharing off) -----\n${off.logs()}\n----- end of server log -----\n`);
    throw err;
  } finally {
    await context.close();
    await off.dispose();
  }
});
