/**
 * LaTeX as a user sees it: with `[features] latex` the demo's `/math`
 * shows MathML in a step's output, in the streamed reply (already while it
 * streams) and in a text element, and prices stay prices; without it the
 * same reply is plain text with its dollar signs.
 */
import { test, expect, assistantMessages, content, openChat, sendMessage } from './support/fixtures';

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

    // A reload renders the stored reply the same way (server, then hydration).
    await page.reload();
    await expect(content(assistantMessages(page).last()).locator('math')).toHaveCount(2);
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
