import type { Page } from '@playwright/test';

import { test, expect } from './support/fixtures';
import { createSecret, loginEnv } from './support/auth';
import { frameReady, hostPage, mintToken, sayInFrame as say, useEmbeddingRun, type HostSite } from './support/embedding';
import { LoquatServer } from './support/server';

// The copilot widget on a page of another site (the host is `localhost`,
// the app `127.0.0.1`): one <script> and mountLoquatWidget. The host page
// has CSS that would break any widget in its own DOM; the widget lives in
// a shadow root and the chat in a frame inside it, loaded only when the
// widget opens. The host's backend minted the user's token; the app calls
// the page's functions with chat.call_fn (the demo's `/call <name>`).

/** The host page: hostile CSS, the loader, a mount with `token`, and
 *  handlers for `page_title` (a value) and `slow_sum` (a promise). */
function hostSite(appUrl: () => string, token: () => string): Promise<HostSite> {
  return hostPage(
    () => `<title>Host shop</title>
<style>button, iframe { display: none !important; } div { font-size: 40px !important; color: red !important; }</style>
<h1 data-testid="host-page">A shop</h1>
<script src="${appUrl()}/copilot/index.js"></script>
<script>
  mountLoquatWidget({
    server: ${JSON.stringify(appUrl())}, accessToken: ${JSON.stringify(token())},
    theme: 'dark', language: 'fr-FR', showCot: false,
  });
  window.addEventListener('loquat-call-fn', (event) => {
    const { name, args, respond } = event.detail;
    if (name === 'page_title') respond(document.title);
    if (name === 'slow_sum') respond(new Promise((resolve) => setTimeout(() => resolve(args.a + args.b), 50)));
    if (name === 'never') respond(new Promise(() => {}));
  });
</script>`,
    { site: 'localhost' },
  );
}

const run = useEmbeddingRun();

function threadId(page: Page): Promise<string | null> {
  return page.evaluate(() => (window as unknown as { getLoquatCopilotThreadId: () => string | null }).getLoquatCopilotThreadId());
}

test('the copilot widget: loaded when opened, signed in by the host, calling the page, keeping its thread', async ({ page }) => {
  const secret = createSecret();
  const host = await hostSite(
    () => run.app!.url,
    () => mintToken(secret, 'sam@example.com', 'Sam from the shop'),
  );
  run.hosts.push(host);
  const app = await LoquatServer.start({
    env: {
      ...loginEnv(secret),
      LOQUAT_DEMO_TOKENS_PER_SEC: '2000',
      LOQUAT_DEMO_CALL_TIMEOUT_MS: '1500',
      LOQUAT_FRAME_ANCESTORS: host.origin,
      LOQUAT_WINDOW_MESSAGE_ORIGINS: host.origin,
    },
  });
  run.app = app;
  const fromApp: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(app.url)) fromApp.push(new URL(request.url()).pathname);
  });

  await page.goto(`${host.origin}/`);
  await expect(page.getByTestId('host-page')).toBeVisible();
  // Before it opens, the widget is its loader and a button: the host's
  // `button { display: none }` does not reach into its shadow root.
  const launcher = page.getByTestId('copilot-button');
  await expect(launcher).toBeVisible();
  expect(fromApp).toEqual(['/copilot/index.js']);
  const loader = (await (await fetch(`${app.url}/copilot/index.js`)).arrayBuffer()).byteLength;
  expect(loader, 'the loader stays small').toBeLessThan(12 * 1024);
  await expect(page.getByTestId('copilot-frame')).toHaveCount(0);

  // Opened: the app in its frame, signed in as the host's user.
  await launcher.click();
  await expect(page.getByTestId('copilot-panel')).toBeVisible();
  const frame = page.frameLocator('[data-testid="copilot-frame"]');
  await frameReady(frame);
  await expect(frame.locator('.app.copilot')).toHaveCount(1);
  // The widget's options: theme, language, no chain of thought.
  await expect(frame.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(frame.locator('html')).toHaveAttribute('lang', 'fr-FR');
  expect(await frame.locator('#loquat-config').textContent()).toContain('"cot":"hidden"');
  await expect(frame.getByTestId('history-sidebar')).toHaveCount(0);
  await expect(frame.getByTestId('logout')).toHaveCount(0);
  expect(await say(frame, 'hello copilot')).not.toBe('');

  // The app calls the page's functions: a value, a promise, no handler,
  // and a handler whose promise never settles (the hook's timeout).
  expect(await say(frame, '/call page_title')).toContain('The page answered page_title: "Host shop"');
  expect(await say(frame, '/call slow_sum {"a": 2, "b": 40}')).toContain('The page answered slow_sum: 42');
  expect(await say(frame, '/call nothing_here')).toContain('no handler on this page answered loquat-call-fn "nothing_here"');
  expect(await say(frame, '/call never')).toContain('the page did not answer the function call never in time');

  // The page sends a message into the chat.
  await page.evaluate(() => (window as unknown as { sendLoquatMessage: (t: string) => void }).sendLoquatMessage('from the shop page'));
  await expect(frame.locator('[data-testid="message"][data-type="user_message"]').last()).toContainText('from the shop page');

  // The thread is kept across page loads.
  await expect.poll(() => threadId(page)).not.toBeNull();
  const kept = await threadId(page);
  await page.reload();
  await page.getByTestId('copilot-button').click();
  await frameReady(frame);
  await expect(frame.locator('[data-testid="message"][data-type="user_message"]').first()).toContainText('hello copilot');
  expect(await threadId(page)).toBe(kept);

  // Cleared, the next load starts a new chat; unmounted, the widget is gone.
  await page.evaluate(() => (window as unknown as { clearLoquatCopilotThreadId: () => void }).clearLoquatCopilotThreadId());
  expect(await threadId(page)).toBeNull();
  await page.evaluate(() => (window as unknown as { unmountLoquatWidget: () => void }).unmountLoquatWidget());
  await expect(page.getByTestId('copilot-button')).toHaveCount(0);
  await expect(page.getByTestId('copilot-frame')).toHaveCount(0);
});

test('the copilot widget as a sidebar, opened at once, its button in the page, toggled by the page', async ({ page }) => {
  const host = await hostPage(
    () => `<title>Docs</title><style>button { display: none !important; }</style>
<nav id="chat-here" data-testid="host-nav">Help:</nav>
<script src="${run.app!.url}/copilot/index.js"></script>
<script>
  mountLoquatWidget({
    displayMode: 'sidebar', opened: true,
    button: { containerId: 'chat-here', className: 'mine', imageUrl: 'data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E' },
  });
</script>`,
    { site: 'localhost' },
  );
  run.hosts.push(host);
  // An app without logins: the frame opens on the chat itself.
  const app = await LoquatServer.start({
    env: { LOQUAT_FRAME_ANCESTORS: host.origin, LOQUAT_WINDOW_MESSAGE_ORIGINS: host.origin },
  });
  run.app = app;
  await page.setViewportSize({ width: 1200, height: 800 });
  await page.goto(`${host.origin}/`);

  // The button is in the page's container (the default server is where the
  // script came from), with the page's image and class.
  const launcher = page.getByTestId('host-nav').getByTestId('copilot-button');
  await expect(launcher).toBeVisible();
  await expect(launcher).toHaveClass(/\bmine\b/);
  await expect(launcher.locator('img')).toHaveCount(1);

  // Opened at once, as a sidebar: the window's full height on the right.
  const panel = page.getByTestId('copilot-panel');
  await expect(panel).toBeVisible();
  await frameReady(page.frameLocator('[data-testid="copilot-frame"]'));
  const box = await panel.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.height).toBe(800);
  expect(box!.x + box!.width).toBe(1200);

  // The page closes and opens it.
  const toggle = () => page.evaluate(() => (window as unknown as { toggleLoquatCopilot: () => void }).toggleLoquatCopilot());
  await toggle();
  await expect(panel).toBeHidden();
  await expect(launcher).toHaveAttribute('aria-expanded', 'false');
  await toggle();
  await expect(panel).toBeVisible();
});
