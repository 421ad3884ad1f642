/**
 * Time to open a long conversation: a 1,000-message thread is imported, then
 * opened by its address, several times. Printed per run and as the median:
 *
 *   - html:      the server's answer (headers) to GET /thread/<id>
 *   - hydrated:  the WASM app is running
 *   - messages:  all 1,000 messages are in the page (history loaded and shown)
 *   - last:      the last message's text is visible (scrolled into view)
 *
 *   scripts/bench.sh open-thread     (release build)
 */
import { test, expect, messages } from '../tests/support/fixtures';

const MESSAGES = Number(process.env.LOQUAT_BENCH_MESSAGES ?? 1000);
const RUNS = Number(process.env.LOQUAT_BENCH_RUNS ?? 5);

/** An export of a thread with `n` messages, alternating user and assistant;
 *  replies carry some markdown (a list and a code block) like real ones. */
function longThread(n: number): object {
  const start = Date.parse('2026-11-01T10:00:00Z');
  const steps = Array.from({ length: n }, (_, i) => {
    const user = i % 2 === 0;
    const at = start + i * 1000;
    return {
      id: `m${i}`,
      thread_id: 'bench',
      name: user ? 'User' : 'Assistant',
      type: user ? 'user_message' : 'assistant_message',
      output: user
        ? `Question ${i}: how does step ${i} work?`
        : `Answer ${i}. Here is **how** it works:\n\n- first, the *input*\n- then the output\n\n\`\`\`rust\nfn step_${i}() -> u32 { ${i} }\n\`\`\`\n`,
      show_input: false,
      created_at: at,
      start: at,
      end: at,
    };
  });
  return {
    format: 'loquat.thread',
    version: 1,
    thread: { id: 'bench', name: 'Long thread', created_at: start, updated_at: start + n * 1000 },
    steps,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test(`open a ${MESSAGES}-message thread`, async ({ page, server }) => {
  const imported = await page.request.post(`${server.url}/api/threads/import`, {
    data: longThread(MESSAGES),
  });
  expect(imported.status()).toBe(201);
  const { thread_id: threadId } = (await imported.json()) as { thread_id: string };

  const rows: Record<string, number>[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = Date.now();
    const response = await page.goto(`/thread/${threadId}`, { waitUntil: 'commit' });
    const html = Date.now() - t0;
    expect(response?.status()).toBe(200);
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 60_000 });
    const hydrated = Date.now() - t0;
    await expect(messages(page)).toHaveCount(MESSAGES, { timeout: 60_000 });
    const shown = Date.now() - t0;
    await expect(messages(page).last()).toContainText(`Answer ${MESSAGES - 1}`, { timeout: 60_000 });
    await expect(messages(page).last()).toBeInViewport({ timeout: 60_000 });
    const last = Date.now() - t0;
    rows.push({ html, hydrated, messages: shown, last });
    console.log(`run ${run + 1}: html ${html} ms, hydrated ${hydrated} ms, ${MESSAGES} messages ${shown} ms, last visible ${last} ms`);
  }
  const keys = ['html', 'hydrated', 'messages', 'last'] as const;
  const summary = Object.fromEntries(keys.map((k) => [k, median(rows.map((r) => r[k]))]));
  console.log(`open-thread median of ${RUNS} (${MESSAGES} messages): ${JSON.stringify(summary)}`);
});
