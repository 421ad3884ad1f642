import { test, expect, openChat, sendMessage } from './support/fixtures';
import type { Locator } from '@playwright/test';

// Slow demo: the tool step runs for 4 ticks = 1 s, long enough to see it running.
test.use({ serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '4' } });

/** The step's own toggle (the first one inside it; nested steps come later). */
function toggleOf(step: Locator): Locator {
  return step.getByTestId('step-toggle').first();
}

test('the user sends a message and expands and collapses the nested tool step', async ({ page }) => {
  await openChat(page);
  await sendMessage(page, 'what is loquat?');

  const run = page.locator('[data-testid="step"][data-step-type="run"]');
  const tool = run.locator('[data-testid="step"][data-step-type="tool"][data-step-name="search_docs"]');
  await expect(tool).toHaveCount(1, { timeout: 15_000 });
  await expect(tool).toHaveAttribute('data-status', 'running');
  await expect(run).toHaveAttribute('data-status', 'running');

  // The plan step opens by itself while its nested steps run; open it if a
  // later UI decides otherwise, so the tool step can be reached.
  if ((await toggleOf(run).getAttribute('aria-expanded')) === 'false') {
    await toggleOf(run).click();
  }
  await expect(tool).toBeVisible();

  const output = tool.getByText('Found 3 documents');
  await expect(output).toBeHidden();

  await toggleOf(tool).click();
  await expect(output).toBeVisible({ timeout: 15_000 });
  await expect(tool).toHaveAttribute('data-status', 'done');
  await expect(run).toHaveAttribute('data-status', 'done');

  await toggleOf(tool).click();
  await expect(output).toBeHidden();

  await toggleOf(tool).click();
  await expect(output).toBeVisible();
});
