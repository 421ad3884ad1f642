/**
 * Playwright fixtures for Loquat tests.
 *
 *   import { test, expect, openChat } from './support/fixtures';
 *   test.use({ serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '10' } });
 *   test('…', async ({ page, server }) => { await openChat(page); … });
 *
 * - `server`: a fresh Loquat server per test (own port and data dir),
 *   stopped and cleaned up afterwards; its log is printed when the test fails.
 * - `baseURL` points at that server, so `page.goto('/')` works.
 * - `serverEnv`: extra environment for the server (an option; `test.use`).
 * - `app`: which app binary the server runs, from where (an option; the
 *   default app when unset).
 * - `consoleErrors`: the page's console errors, for tests that assert there
 *   are none.
 * - Uncaught errors in the page (e.g. a WASM panic) and Content-Security-
 *   Policy violations fail the test.
 */
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { LoquatServer, type ServerOptions } from './server';

export { expect };

/** An app binary other than the default one, and where it runs. */
export type AppOptions = Pick<ServerOptions, 'bin' | 'cwd' | 'embeddedSite' | 'rootPath'>;

type Fixtures = {
  serverEnv: Record<string, string>;
  app: AppOptions;
  server: LoquatServer;
  pageErrors: string[];
  consoleErrors: string[];
};

export const test = base.extend<Fixtures>({
  serverEnv: [{}, { option: true }],
  app: [{}, { option: true }],

  server: async ({ serverEnv, app }, use, testInfo) => {
    const server = await LoquatServer.start({ ...app, env: serverEnv });
    try {
      await use(server);
    } finally {
      await server.dispose();
      if (testInfo.status !== testInfo.expectedStatus) {
        const log = server.logs();
        await testInfo.attach('server.log', { body: log, contentType: 'text/plain' });
        process.stderr.write(
          `\n----- loquat server log (${testInfo.titlePath.join(' › ')}) -----\n${log}\n----- end of server log -----\n`,
        );
      }
    }
  },

  baseURL: async ({ server }, use) => {
    await use(server.url);
  },

  pageErrors: [
    async ({ page }, use, testInfo) => {
      const errors: string[] = [];
      const consoleLines: string[] = [];
      page.on('pageerror', (err) => errors.push(`${err.name}: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') consoleLines.push(`[${msg.type()}] ${msg.text()}`);
        // The app's pages must work under their own Content-Security-Policy.
        if (msg.text().includes('Content Security Policy')) errors.push(`CSP violation: ${msg.text()}`);
      });
      await use(errors);
      const failed = testInfo.status !== testInfo.expectedStatus || errors.length > 0;
      if (failed && consoleLines.length > 0) {
        const log = consoleLines.join('\n');
        await testInfo.attach('browser-console.log', { body: log, contentType: 'text/plain' });
        process.stderr.write(`\n----- browser console errors/warnings -----\n${log}\n----- end of browser console -----\n`);
      }
      expect(errors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],

  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await use(errors);
  },
});

/** What `useSharedServer` needs of a server (`LoquatServer` and
 *  `LoginServer` are such servers). */
export interface SharedServer {
  readonly url: string;
  logs(): string;
  dispose(): Promise<void>;
}

/**
 * One server for all the tests of the file that calls this (at its top
 * level, once):
 *
 *   const site = useSharedServer(() => LoquatServer.start({ env: { … } }));
 *   test('…', async ({ page }) => { await page.goto('/'); site().url; … });
 *
 * registers the file's hooks: `start()` in beforeAll, `dispose()` in
 * afterAll, every page's `baseURL` on that server (no test starts a server
 * of its own unless it asks for the `server` fixture), and the server's log
 * attached to and printed for a test that failed. Returns the server, for
 * use in tests and hooks (it throws before beforeAll has run).
 */
export function useSharedServer<S extends SharedServer>(start: () => Promise<S>): () => S {
  let shared: S | undefined;

  test.beforeAll(async () => {
    shared = await start();
  });

  test.afterAll(async () => {
    await shared?.dispose();
  });

  // Playwright also resolves this once before beforeAll has run, when there
  // is no server yet.
  test.use({
    baseURL: async ({}, use) => {
      await use(shared?.url);
    },
  });

  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status === testInfo.expectedStatus || !shared) return;
    const log = shared.logs();
    await testInfo.attach('server.log', { body: log, contentType: 'text/plain' });
    process.stderr.write(
      `\n----- loquat server log (${testInfo.titlePath.join(' › ')}) -----\n${log}\n----- end of server log -----\n`,
    );
  });

  return () => {
    if (!shared) throw new Error('the shared server has not started yet (use it in tests and hooks, not at load time)');
    return shared;
  };
}

/** Every message in the feed. */
export function messages(page: Page): Locator {
  return page.locator('[data-testid="message"]');
}

export function userMessages(page: Page): Locator {
  return page.locator('[data-testid="message"][data-type="user_message"]');
}

export function assistantMessages(page: Page): Locator {
  return page.locator('[data-testid="message"][data-type="assistant_message"]');
}

/** The rendered markdown body of a message. */
export function content(message: Locator): Locator {
  return message.getByTestId('message-content');
}

/** Waits until the app is hydrated and its streaming connection is up. */
export async function waitReady(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
  await expect(page.getByTestId('connection-status')).toBeHidden({ timeout: 15_000 });
}

/** Opens the app and waits until it can send. */
export async function openChat(page: Page): Promise<void> {
  await page.goto('/');
  await waitReady(page);
}

/** Types `text` into the composer and presses Enter; waits for the user
 *  message to show up in the feed. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const before = await userMessages(page).count();
  const input = page.getByTestId('composer-input');
  await input.click();
  await input.pressSequentially(text);
  await expect(page.getByTestId('composer-send')).toBeEnabled();
  await input.press('Enter');
  await expect(userMessages(page)).toHaveCount(before + 1);
  await expect(userMessages(page).last()).toContainText(text);
}

/** Sends `text` and waits for the whole reply. */
export async function exchange(page: Page, text: string): Promise<void> {
  const before = await assistantMessages(page).count();
  await sendMessage(page, text);
  await expect(assistantMessages(page)).toHaveCount(before + 1, { timeout: 30_000 });
  await expect(assistantMessages(page).last()).toHaveAttribute('data-streaming', 'false', { timeout: 30_000 });
  await expect(page.getByTestId('composer-stop')).toBeHidden({ timeout: 30_000 });
}

/** The thread id in the page's address (`/thread/<id>`), once it is there. */
export async function threadIdOf(page: Page): Promise<string> {
  await expect(page).toHaveURL(/\/thread\/[\w-]+$/);
  return new URL(page.url()).pathname.split('/').pop() ?? '';
}

/** Marks that close the demo's reply (see server/src/demo/offline.rs). */
export const DEMO = {
  heading: 'Hello from the Loquat demo',
  closing: 'OPENAI_API_KEY',
  lastWords: 'restart the server.',
  /** Streaming a whole reply at the slowest rate a test uses takes ~20 s. */
  replyTimeout: 45_000,
};

/** How often `needle` occurs in `haystack`. */
export function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/**
 * Holds the page's WASM bundle until the returned function is called: until
 * then the user has the server's page, not the app. (The bundle's URL has a
 * version query, `loquat.wasm?v=…`, so the route matches the path.)
 */
export async function holdWasm(page: Page): Promise<() => void> {
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => (release = resolve));
  await page.route((url) => url.pathname.endsWith('.wasm'), async (route) => {
    await arrived;
    await route.continue();
  });
  return release;
}
