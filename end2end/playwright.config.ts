import { defineConfig, devices } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

/**
 * Browser tests for Loquat.
 *
 * There is no `webServer` here: every test starts its own `loquat` server
 * (fresh port, fresh data dir) through the `server` fixture in
 * tests/support/fixtures.ts, because some tests stop and restart it or need
 * a different demo speed. The server binary comes from $LOQUAT_BIN (a site
 * directory from $LEPTOS_SITE_ROOT when set); scripts/test.sh sets them.
 *
 * Chromium is Debian's (/usr/bin/chromium); Playwright never downloads one.
 */
const workers = Number(process.env.LOQUAT_E2E_WORKERS ?? 1);

export default defineConfig({
  testDir: './tests',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  outputDir: './test-results',
  use: {
    actionTimeout: 10_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
      },
    },
  ],
});
