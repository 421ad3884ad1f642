/**
 * The app's own look, read at run time from its public/ directory and
 * `[UI]` (no rebuild): theme.json's variables for light and dark, a
 * custom stylesheet, the logo, the favicon, an author's avatar, the wide
 * layout, the default theme and the interface options (placeholder,
 * conversation buttons, timestamps, open steps) — all allowed by the
 * page's CSP (a violation fails the test).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, expect, assistantMessages, sendMessage, waitReady } from './support/fixtures';
import { LoquatServer } from './support/server';

/** A small but real PNG (1×1 pixel). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="30"><circle cx="15" cy="15" r="14" fill="teal"/></svg>';

/**
 * A temporary app directory: `files` maps paths under public/ to their
 * content, `config` is data/config.toml's lines.
 */
function appDirWith(files: Record<string, string | Buffer>, config: string[]): { dir: string; dataDir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-e2e-look-'));
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(dir, 'public', file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  fs.writeFileSync(path.join(dataDir, 'config.toml'), [...config, ''].join('\n'));
  return { dir, dataDir };
}

let server: LoquatServer;
let appDir: string;

test.beforeAll(async () => {
  const app = appDirWith(
    {
      'theme.json': JSON.stringify({
        variables: {
          light: { '--accent': 'rgb(10, 120, 90)' },
          dark: { '--accent': 'rgb(200, 50, 50)' },
        },
      }),
      'custom.css': '.brand-name{letter-spacing:3px}',
      'custom.js': "document.documentElement.dataset.custom = 'ran';",
      'logo_light.svg': SVG,
      'favicon.png': PNG,
      'avatars/loquat.svg': SVG,
    },
    [
      '[UI]',
      'custom_css = "/custom.css"',
      'custom_js = "/custom.js"',
      'custom_js_attributes = ["defer"]',
      'default_theme = "dark"',
      'layout = "wide"',
      'composer_placeholder = "Ask the loquat…"',
      'conversation_buttons = ["clear"]',
      'show_timestamps = false',
      'default_expand_messages = true',
      'header_links = [{ name = "Docs", url = "https://example.com/docs" }]',
    ],
  );
  appDir = app.dir;
  server = await LoquatServer.start({ cwd: app.dir, dataDir: app.dataDir });
});

test.afterAll(async () => {
  await server.dispose();
  fs.rmSync(appDir, { recursive: true, force: true });
});

test("the app's theme, stylesheet, logo, favicon, avatars and layout", async ({ page }) => {
  await page.goto(server.url);
  await waitReady(page);
  const accent = () =>
    page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim());
  // Dark by default, with the theme's dark accent; the toggle gives light.
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await accent()).toBe('rgb(200, 50, 50)');
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await accent()).toBe('rgb(10, 120, 90)');

  await expect(page.getByTestId('app-name')).toHaveCSS('letter-spacing', '3px');
  await expect(page.locator('html')).toHaveAttribute('data-custom', 'ran');
  await expect(page.locator('script[src="/custom.js"]')).toHaveAttribute('defer', '');
  await expect(page.getByTestId('logo')).toHaveAttribute('src', '/logo_light.svg');
  await expect(page.getByTestId('logo')).toBeVisible();
  await expect(page.locator('.brand-mark')).toHaveCount(0);
  const docs = page.getByTestId('header-link');
  await expect(docs).toHaveText('Docs');
  await expect(docs).toHaveAttribute('href', 'https://example.com/docs');
  await expect(docs).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', '/favicon.png');
  expect((await page.request.get(`${server.url}/favicon.png`)).status()).toBe(200);
  await expect(page.locator('.app')).toHaveClass(/layout-wide/);
  await expect(page.locator('.feed-inner')).toHaveCSS('max-width', 'none');

  await expect(page.getByTestId('composer-input')).toHaveAttribute('placeholder', 'Ask the loquat…');
  await sendMessage(page, 'hello');
  const reply = assistantMessages(page).last();
  await expect(reply.getByTestId('avatar')).toHaveAttribute('src', '/avatars/loquat.svg');
  // Steps start open; times are hidden; only the clear button shows.
  const plan = page.locator('[data-testid="step"][data-step-name="Plan"]');
  await expect(plan.getByTestId('step-toggle').first()).toHaveAttribute('aria-expanded', 'true');
  await expect(reply.locator('.message-meta time')).toBeHidden();
  await expect(page.getByTestId('clear')).toBeVisible();
  await expect(page.getByTestId('rerun')).toHaveCount(0);
  await expect(page.getByTestId('undo')).toHaveCount(0);
});

test("under a root path, the theme's url(/…) values point into the app", async ({ page }) => {
  const { dir, dataDir } = appDirWith(
    {
      'theme.json': JSON.stringify({
        variables: {
          light: { '--backdrop': 'url(/backdrop.svg)' },
          dark: { '--backdrop': "url('/backdrop.svg')" },
        },
      }),
      'custom.css': '.app{background-image:var(--backdrop)}',
      'backdrop.svg': SVG,
    },
    ['[UI]', 'custom_css = "/custom.css"'],
  );
  const rooted = await LoquatServer.start({ cwd: dir, dataDir, rootPath: '/chat' });
  try {
    await page.goto(`${rooted.url}/chat/`);
    await waitReady(page);
    const backdrop = `url("${rooted.url}/chat/backdrop.svg")`;
    await expect(page.locator('.app')).toHaveCSS('background-image', backdrop);
    await page.getByTestId('theme-toggle').click();
    await expect(page.locator('.app')).toHaveCSS('background-image', backdrop);
    expect((await page.request.get(`${rooted.url}/chat/backdrop.svg`)).status()).toBe(200);
  } finally {
    await rooted.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
