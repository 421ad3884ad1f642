/**
 * A 10,000-row dataframe (the demo's `/table`): how long until its first
 * page is on screen, and how long paging and sorting take. Rows stay on the
 * server and come a page (20 rows) at a time. Printed per run and as the
 * median:
 *
 *   - shown:  from sending `/table` to the first page of rows rendered
 *   - next:   a click on "Next" until the next page is rendered
 *   - sort:   a click on a column header until the sorted page is rendered
 *   - rows:   the server's answer to one sorted page request (fetch in page)
 *
 *   scripts/bench.sh dataframe     (release build)
 */
import { test, expect, openChat, sendMessage } from '../tests/support/fixtures';

const RUNS = Number(process.env.LOQUAT_BENCH_RUNS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test('a 10,000-row dataframe', async ({ page }) => {
  await openChat(page);
  const rows: Record<string, number>[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = Date.now();
    await sendMessage(page, '/table');
    const frame = page.locator('[data-testid="element"][data-element-type="dataframe"]').last();
    const first = frame.getByTestId('dataframe-row').first().locator('td').first();
    await expect(first).toHaveText('1', { timeout: 30_000 });
    const shown = Date.now() - t0;

    const t1 = Date.now();
    await frame.getByTestId('dataframe-next').click();
    await expect(first).toHaveText('21');
    const next = Date.now() - t1;

    const t2 = Date.now();
    await frame.locator('[data-testid="dataframe-sort"][data-column="1"]').click();
    await expect(first).not.toHaveText('21');
    await expect(frame.getByTestId('dataframe-status')).toHaveText('Rows 1–20 of 10000');
    const sort = Date.now() - t2;

    const id = await frame.getAttribute('data-element-id');
    const fetchMs = await page.evaluate(async (url) => {
      const start = performance.now();
      const response = await fetch(url);
      await response.json();
      return Math.round(performance.now() - start);
    }, `/element/${id}/rows?offset=5000&limit=20&sort=2&desc=true`);

    rows.push({ shown, next, sort, rows: fetchMs });
    console.log(`run ${run + 1}: shown ${shown} ms, next page ${next} ms, sorted ${sort} ms, rows request ${fetchMs} ms`);
  }
  const keys = ['shown', 'next', 'sort', 'rows'] as const;
  const summary = Object.fromEntries(keys.map((k) => [k, median(rows.map((r) => r[k]))]));
  console.log(`dataframe median of ${RUNS} (10,000 rows, 20 per page): ${JSON.stringify(summary)}`);
});
