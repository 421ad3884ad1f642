import { test, expect, assistantMessages, openChat, sendMessage } from './support/fixtures';

const fast = { LOQUAT_DEMO_TOKENS_PER_SEC: '0' };

test.describe('chain of thought: tool_call', () => {
  test.use({ serverEnv: { ...fast, LOQUAT_COT: 'tool_call' } });

  test('the user sees the tool step but not the plan step around it', async ({ page }) => {
    await openChat(page);
    await sendMessage(page, 'show tools only');
    await expect(assistantMessages(page).last()).toHaveAttribute('data-streaming', 'false', { timeout: 15_000 });
    await expect(page.locator('[data-testid=step][data-step-name=search_docs]')).toHaveCount(1);
    await expect(page.locator('[data-testid=step][data-step-type=run]')).toHaveCount(0);
  });
});

test.describe('chain of thought: hidden', () => {
  test.use({ serverEnv: { ...fast, LOQUAT_COT: 'hidden', LOQUAT_UI_NAME: 'Quince' } });

  test('the user sees only the messages, from the configured assistant name', async ({ page }) => {
    await openChat(page);
    await expect(page.getByTestId('app-name')).toHaveText('Quince');
    await sendMessage(page, 'no steps please');
    const reply = assistantMessages(page).last();
    await expect(reply).toHaveAttribute('data-streaming', 'false', { timeout: 15_000 });
    await expect(reply).toHaveAttribute('data-author', 'Quince');
    await expect(page.getByTestId('step')).toHaveCount(0);
  });
});
