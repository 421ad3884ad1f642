/**
 * Pages of another origin that embed the app (a frame, the copilot
 * widget), for the embedding tests:
 *
 *   const host = await hostPage(() => `<iframe src="${app.url}/"></iframe>`, { site: 'localhost' });
 *   await page.goto(`${host.origin}/`);
 *   await frameReady(page.frameLocator('iframe'));
 *   const reply = await sayInFrame(page.frameLocator('iframe'), 'hello');
 *   await host.close();
 *
 * `site: 'localhost'` serves the page at `http://localhost:<port>` while
 * the app is at `127.0.0.1`: another SITE, so the browser gives the frame
 * no `SameSite=Lax` cookie (what third-party cookie blocking does). The
 * default, `127.0.0.1`, is another origin of the same site.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';

import type { FrameLocator } from '@playwright/test';

import { expect, test } from './fixtures';
import type { LoquatServer } from './server';

export interface HostSite {
  origin: string;
  close: () => Promise<void>;
}

/** Serves `html()` (read on each request) on a port of its own. */
export async function hostPage(html: () => string, options: { site?: 'localhost' | '127.0.0.1' } = {}): Promise<HostSite> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!DOCTYPE html><link rel="icon" href="data:,">${html()}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://${options.site ?? '127.0.0.1'}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A bearer token as a host's backend mints it (HS256, the app's secret). */
export function mintToken(secret: string, identifier: string, displayName: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { identifier, display_name: displayName, exp: now + 600, iat: now };
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${crypto.createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** Waits until the framed app is hydrated and connected. */
export async function frameReady(frame: FrameLocator): Promise<void> {
  await expect(frame.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
  await expect(frame.getByTestId('connection-status')).toBeHidden({ timeout: 15_000 });
}

/** Sends `text` in the framed app; returns the assistant's whole answer. */
export async function sayInFrame(frame: FrameLocator, text: string): Promise<string> {
  const replies = frame.locator('[data-testid="message"][data-type="assistant_message"]');
  const before = await replies.count();
  const input = frame.getByTestId('composer-input');
  await input.click();
  await input.pressSequentially(text);
  await input.press('Enter');
  await expect(replies).toHaveCount(before + 1, { timeout: 30_000 });
  await expect(replies.last()).toHaveAttribute('data-streaming', 'false', { timeout: 30_000 });
  return (await replies.last().innerText()).trim();
}

/** What an embedding test starts: the app, host pages, data dirs. */
export interface EmbeddingRun {
  app: LoquatServer | null;
  hosts: HostSite[];
  dirs: string[];
}

/** One `EmbeddingRun` for the file's tests, emptied after each: the app
 *  stopped (its log printed when the test failed), the host pages closed,
 *  the dirs removed. */
export function useEmbeddingRun(): EmbeddingRun {
  const run: EmbeddingRun = { app: null, hosts: [], dirs: [] };
  test.afterEach(async ({}, testInfo) => {
    if (run.app && testInfo.status !== testInfo.expectedStatus) {
      process.stderr.write(`\n----- loquat log -----\n${run.app.logs()}\n`);
    }
    await run.app?.dispose();
    run.app = null;
    for (const host of run.hosts.splice(0)) await host.close();
    for (const dir of run.dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return run;
}
