/**
 * LaTeX as a user sees it: with `[features] latex` the demo's `/math`
 * shows MathML in a step's output, in the streamed reply (already while it
 * streams) and in a text element, and prices stay prices; without it the
 * same reply is plain text with its dollar signs. The server renders the
 * math: into its pages, and for the browser when it asks (`render_math`).
 */
import type { Page, WebSocket } from '@playwright/test';
import { test, expect, assistantMessages, content, openChat, sendMessage } from './support/fixtures';

type Formula = { tex: string; display?: boolean };

/** The formulas of every `render_math` the page sends from now on, one
 *  array per request. */
function watchMathRequests(page: Page): Formula[][] {
  const requests: Formula[][] = [];
  page.on('websocket', (ws: WebSocket) => {
    ws.on('framesent', ({ payload }) => {
      if (typeof payload !== 'string' || !payload.includes('render_math')) return;
      const frame = JSON.parse(payload) as { type?: string; formulas?: Formula[] };
      if (frame.type === 'render_math') requests.push(frame.formulas ?? []);
    });
  });
  return requests;
}

test.describe('with [features] latex', () => {
  test.use({ serverEnv: { LOQUAT_LATEX: 'true', LOQUAT_DEMO_TOKENS_PER_SEC: '8' } });

  test('math renders in the reply while it streams, in its step and in a text element', async ({ page }) => {
    await openChat(page);
    await sendMessage(page, '/math');
    const reply = assistantMessages(page).last();
    const body = content(reply);
    // The first formula is math before the reply has finished.
    await expect(body.locator('.math-inline math')).toHaveCount(1, { timeout: 15_000 });
    await expect(reply).toHaveAttribute('data-streaming', 'true');
    await expect(reply).toHaveAttribute('data-streaming', 'false', { timeout: 30_000 });

    await expect(body.locator('math')).toHaveCount(2);
    const display = body.locator('.math-display math');
    await expect(display).toHaveAttribute('display', 'block');
    await expect(display.locator('mfrac')).toHaveCount(1);
    await expect(display.locator('msqrt')).toHaveCount(1);
    // Rendered as math, laid out by the browser: taller than a line of text.
    const box = await display.boundingBox();
    expect(box?.height ?? 0).toBeGreaterThan(30);
    await expect(body).toContainText('a loquat costs $2, or $3 when ripe.');
    await expect(body.getByTestId('math-error')).toHaveCount(0);

    const element = reply.locator('div.element-text');
    await expect(element.locator('math msup')).toHaveCount(1);

    const step = page.locator('[data-testid="step"][data-step-name="integrate"]');
    await step.getByTestId('step-toggle').first().click();
    await expect(step.getByTestId('step-output').locator('math msubsup')).toHaveCount(1);

    // A reload draws the stored reply again: the browser asks the server
    // for all its formulas in one request.
    const asked = watchMathRequests(page);
    await page.reload();
    const again = content(assistantMessages(page).last());
    await expect(again.locator('math')).toHaveCount(2);
    await expect(page.getByTestId('math-pending')).toHaveCount(0);
    expect(asked).toHaveLength(1);
    expect(asked[0].some((f) => f.display && f.tex.includes('\\frac'))).toBe(true);

    // Opened again from the history, the thread is drawn anew with the
    // formulas the page already has: it asks for none.
    await page.getByTestId('new-chat').click();
    await expect(assistantMessages(page)).toHaveCount(0);
    await page.getByTestId('thread-list').getByTestId('thread-item').first().click();
    const reopened = content(assistantMessages(page).last());
    await expect(reopened.locator('math')).toHaveCount(2);
    await expect(reopened.locator('.math-display math mfrac')).toHaveCount(1);
    await expect(page.getByTestId('math-pending')).toHaveCount(0);
    expect(asked).toHaveLength(1);
  });
});

test.describe('without it (the default)', () => {
  test.use({ serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '0' } });

  test('dollar signs stay text', async ({ page }) => {
    await openChat(page);
    await sendMessage(page, '/math');
    const reply = assistantMessages(page).last();
    await expect(reply).toHaveAttribute('data-streaming', 'false', { timeout: 30_000 });
    const body = content(reply);
    await expect(body).toContainText('The roots of $ax^2 + bx + c = 0$ are');
    await expect(page.locator('math')).toHaveCount(0);
    await expect(reply.locator('div.element-text')).toContainText('Euler: $e^{i\\pi} + 1 = 0$');
  });
});
