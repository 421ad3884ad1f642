/**
 * Time to open a long conversation: a 1,000-message thread is imported, then
 * opened by its address, several times. Printed per run and as the median:
 *
 *   - html:      the server's answer (headers) to GET /thread/<id>
 *   - hydrated:  the WASM app is running
 *   - last:      the last message's text is visible (scrolled into view);
 *                the feed renders the latest page of messages
 *   - earlier:   one more page of earlier messages is in (after a click on
 *                "Show earlier messages")
 *
 *   scripts/bench.sh open-thread     (release build)
 */
import { test, expect, messages } from '../tests/support/fixtures';
import { importLongThread } from '../tests/support/threads';

const MESSAGES = Number(process.env.LOQUAT_BENCH_MESSAGES ?? 1000);
const RUNS = Number(process.env.LOQUAT_BENCH_RUNS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test(`open a ${MESSAGES}-message thread`, async ({ page, server }) => {
  const threadId = await importLongThread(page.request, server.url, MESSAGES);

  const rows: Record<string, number>[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = Date.now();
    const response = await page.goto(`/thread/${threadId}`, { waitUntil: 'commit' });
    const html = Date.now() - t0;
    expect(response?.status()).toBe(200);
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 60_000 });
    const hydrated = Date.now() - t0;
    await expect(messages(page).last()).toContainText(`Answer ${MESSAGES - 1}`, { timeout: 60_000 });
    await expect(messages(page).last()).toBeInViewport({ timeout: 60_000 });
    const last = Date.now() - t0;
    const page1 = await messages(page).count();
    expect(page1).toBeLessThan(MESSAGES);
    const t1 = Date.now();
    // Without scrolling: scrolling up to the button would load a page by itself.
    await page.getByTestId('load-earlier').dispatchEvent('click');
    await expect(messages(page)).toHaveCount(Math.min(MESSAGES, 2 * page1), { timeout: 60_000 });
    const earlier = Date.now() - t1;
    rows.push({ html, hydrated, last, earlier });
    console.log(
      `run ${run + 1}: html ${html} ms, hydrated ${hydrated} ms, last message visible ${last} ms ` +
        `(${page1} rendered), ${page1} earlier ${earlier} ms`,
    );
  }
  const keys = ['html', 'hydrated', 'last', 'earlier'] as const;
  const summary = Object.fromEntries(keys.map((k) => [k, median(rows.map((r) => r[k]))]));
  console.log(`open-thread median of ${RUNS} (${MESSAGES} messages): ${JSON.stringify(summary)}`);
});
