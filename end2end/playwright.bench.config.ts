import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * Browser benchmarks (not tests): `npx playwright test -c playwright.bench.config.ts`.
 * Same browser and server harness as the tests; each prints its numbers.
 */
export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: '**/*.bench.ts',
  timeout: 300_000,
});
