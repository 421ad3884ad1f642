/**
 * The copilot widget on a host page of another site: what the host page's
 * first load costs (the loader, before the widget opens), and the time from
 * `mountLoquatWidget({ opened: true })` to the chat being ready in its
 * frame (the frame's `loquat:ready`: hydrated and connected), with an
 * empty cache and with the app's files cached, and what the opened widget
 * downloaded.
 *
 *   scripts/bench.sh copilot     (release build)
 */
import { test, expect } from '../tests/support/fixtures';
import type { BrowserContext, Response } from '@playwright/test';

import { createSecret, loginEnv } from '../tests/support/auth';
import { hostPage, mintToken } from '../tests/support/embedding';
import { LoquatServer } from '../tests/support/server';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Bytes that crossed the wire for the responses of `origin`. */
async function wireBytes(responses: Response[], origin: string): Promise<number> {
  let total = 0;
  for (const response of responses) {
    if (!response.url().startsWith(origin)) continue;
    total += Math.max(0, (await response.request().sizes()).responseBodySize);
  }
  return total;
}

test('the copilot: host page first load, mount to ready', async ({ browser }) => {
  const secret = createSecret();
  let appUrl = '';
  // The page mounts on a click, so the time is the widget's alone.
  const host = await hostPage(
    () => `<title>Host</title><h1 data-testid="host-page">Host</h1>
<script src="${appUrl}/copilot/index.js"></script>
<button id="mount">mount</button>
<script>
  document.getElementById('mount').addEventListener('click', () => {
    window.__mountAt = performance.now();
    mountLoquatWidget({ server: ${JSON.stringify(appUrl)}, accessToken: ${JSON.stringify(mintToken(secret, 'bench@example.com', 'Bench'))}, opened: true });
  });
  window.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'loquat:ready' && !window.__readyAt) window.__readyAt = performance.now();
  });
</script>`,
    { site: 'localhost' },
  );
  const app = await LoquatServer.start({
    env: { ...loginEnv(secret), LOQUAT_FRAME_ANCESTORS: host.origin, LOQUAT_WINDOW_MESSAGE_ORIGINS: host.origin },
  });
  appUrl = app.url;
  try {
    const runs = 5;
    const cold: number[] = [];
    const warm: number[] = [];
    let loaderBytes = 0;
    let openedBytes = 0;
    for (let run = 0; run < runs; run++) {
      const context: BrowserContext = await browser.newContext();
      const page = await context.newPage();
      const responses: Response[] = [];
      page.on('response', (response) => responses.push(response));
      for (const [pass, times] of [
        ['cold', cold],
        ['warm', warm],
      ] as const) {
        responses.length = 0;
        await page.goto(`${host.origin}/`);
        await expect(page.getByTestId('host-page')).toBeVisible();
        if (pass === 'cold' && run === 0) loaderBytes = await wireBytes(responses, app.url);
        const before = responses.length;
        await page.locator('#mount').click();
        await page.waitForFunction(() => (window as unknown as { __readyAt?: number }).__readyAt !== undefined, null, {
          timeout: 60_000,
        });
        const ms = await page.evaluate(() => {
          const w = window as unknown as { __readyAt: number; __mountAt: number };
          return w.__readyAt - w.__mountAt;
        });
        times.push(ms);
        if (pass === 'cold' && run === 0) openedBytes = await wireBytes(responses.slice(before), app.url);
      }
      await context.close();
    }
    process.stdout.write(
      `\ncopilot on a host page of another site (${runs} runs)\n` +
        `  host page first load, widget closed: ${loaderBytes} bytes from the app (the loader)\n` +
        `  opening it, empty cache: ${openedBytes} bytes from the app\n` +
        `  mountLoquatWidget → ready, empty cache: median ${median(cold).toFixed(0)} ms (${cold.map((t) => t.toFixed(0)).join(', ')})\n` +
        `  mountLoquatWidget → ready, app cached:  median ${median(warm).toFixed(0)} ms (${warm.map((t) => t.toFixed(0)).join(', ')})\n`,
    );
    expect(loaderBytes).toBeGreaterThan(0);
  } finally {
    await app.dispose();
    await host.close();
  }
});
