/**
 * A page of another origin (a second server on loopback, as any site the
 * user visits would be) tries what it could do to a Loquat app without the
 * boundary: open its WebSocket and chat as the user, rename and delete the
 * user's threads, import a thread of its own, frame the app. Each attempt
 * fails, and the user's history is as it was.
 */
import * as http from 'node:http';
import { test, expect, assistantMessages, openChat, sendMessage } from './support/fixtures';
import type { Page } from '@playwright/test';

test.use({ serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '1000' } });

/** The attacker's page, for an app at `app`, one of its threads, and a
 *  valid export to plant as a thread of its own. */
function attackPage(app: string, thread: string, planted: string): string {
  return `<!doctype html><html><body>
<iframe id="frame" src="${app}/"></iframe>
<script>
const app = ${JSON.stringify(app)};
const report = (key, value) => { document.body.dataset[key] = value; };
const socket = new WebSocket(app.replace('http', 'ws') + '/ws');
socket.onopen = () => {
  socket.send(JSON.stringify({ type: 'hello' }));
  report('ws', 'open');
};
socket.onerror = () => report('ws', 'refused');
const form = 'application/x-www-form-urlencoded';
const post = (path, body, type) =>
  fetch(app + path, { method: 'POST', mode: 'no-cors', headers: { 'content-type': type }, body })
    .then(() => 'sent', () => 'failed');
Promise.all([
  post('/api/threads/rename', 'id=${thread}&name=pwned', form),
  post('/api/threads/import', ${JSON.stringify(planted)}, 'text/plain'),
]).then(() => post('/api/threads/delete', 'id=${thread}', form)).then(() => report('posts', 'done'));
</script></body></html>`;
}

async function serve(html: () => string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function threadNames(page: Page): Promise<string[]> {
  const response = await page.request.post('/api/threads/list', {
    form: {},
    headers: { accept: 'application/json' },
  });
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { threads: { name: string }[] };
  return body.threads.map((thread) => thread.name);
}

test('a page of another origin can neither chat, change history, import nor frame the app', async ({
  page,
  browser,
  server,
}) => {
  await openChat(page);
  await sendMessage(page, 'my private chat');
  await expect(assistantMessages(page)).toHaveCount(1, { timeout: 30_000 });
  await expect(page).toHaveURL(/\/thread\/[\w-]+$/);
  const thread = new URL(page.url()).pathname.split('/').pop() ?? '';
  const before = await threadNames(page);
  expect(before).toHaveLength(1);

  // What the attacker plants: a well-formed export (of this very thread).
  const exported = await page.request.get(`/api/threads/${thread}/export?format=json`);
  expect(exported.status()).toBe(200);
  const planted = (await exported.text()).replace('my private chat', 'planted by another site');
  const evil = await serve(() => attackPage(server.url, thread, planted));
  // The attacker's tab: its console says what the browser refused.
  const attacker = await browser.newPage();
  const refusals: string[] = [];
  attacker.on('console', (msg) => refusals.push(msg.text()));
  try {
    await attacker.goto(evil.url);
    await expect(attacker.locator('body')).toHaveAttribute('data-ws', 'refused');
    await expect(attacker.locator('body')).toHaveAttribute('data-posts', 'done');
    await expect
      .poll(() => refusals.some((line) => line.includes('frame-ancestors')), { timeout: 10_000 })
      .toBe(true);
  } finally {
    await attacker.close();
    await evil.close();
  }

  expect(await threadNames(page)).toEqual(before);
  await page.reload();
  await expect(page.getByTestId('thread-item')).toHaveCount(1);
  await expect(page.getByTestId('thread-item')).not.toContainText('pwned');
});
