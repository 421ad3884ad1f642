import {
  test,
  expect,
  DEMO,
  assistantMessages,
  content,
  openChat,
  userMessages,
} from './support/fixtures';

test('the server goes away and comes back; the user sees it and can chat again', async ({ page, server }) => {
  await openChat(page);
  const status = page.getByTestId('connection-status');
  const send = page.getByTestId('composer-send');
  const input = page.getByTestId('composer-input');

  await input.click();
  await input.pressSequentially('are you back?');
  await expect(send).toBeEnabled();

  const exit = await server.stop();
  expect(exit.forced, 'server should exit on SIGTERM without being killed').toBe(false);
  await expect(status).toBeVisible({ timeout: 15_000 });
  await expect(send).toBeDisabled();

  await server.restart();
  await expect(status).toBeHidden({ timeout: 30_000 });
  await expect(send).toBeEnabled();
  await expect(input).toHaveValue('are you back?');

  await input.press('Enter');
  await expect(userMessages(page).filter({ hasText: 'are you back?' })).toHaveCount(1);
  const reply = assistantMessages(page).last();
  await expect(content(reply)).toContainText(/\S/, { timeout: 15_000 });
  await expect(reply).toHaveAttribute('data-streaming', 'false', { timeout: DEMO.replyTimeout });
});
