import {
  test,
  expect,
  DEMO,
  assistantMessages,
  content,
  openChat,
  sendMessage,
  userMessages,
} from './support/fixtures';

test('the user sends "hello" and gets a streamed markdown reply', async ({ page }) => {
  await openChat(page);

  const input = page.getByTestId('composer-input');
  await input.click();
  await input.pressSequentially('hello');
  await input.press('Enter');

  const user = userMessages(page).filter({ hasText: 'hello' });
  await expect(user).toHaveCount(1);
  await expect(input).toHaveValue('');

  const reply = assistantMessages(page).last();
  await expect(reply).toHaveAttribute('data-streaming', 'true', { timeout: 15_000 });
  await expect(reply).toHaveAttribute('data-streaming', 'false', { timeout: DEMO.replyTimeout });

  const body = content(reply);
  await expect(body.locator('h2')).toHaveCount(1);
  await expect(body.locator('h2')).toContainText(DEMO.heading);
  await expect(body.locator('ul > li').first()).toBeVisible();
  expect(await body.locator('ul > li').count()).toBeGreaterThanOrEqual(2);
  await expect(body.locator('pre code')).toBeVisible();
  await expect(body.locator('pre code')).toContainText('Loquat::new()');
  // The first reply sees no earlier messages.
  await expect(body).toContainText(/I can see 0 earlier messages\b/);
  await expect(body).toContainText(DEMO.closing);
});

test('the reply counts the earlier messages of the conversation', async ({ page }) => {
  await openChat(page);
  await sendMessage(page, 'first');
  await expect(assistantMessages(page)).toHaveCount(1, { timeout: 15_000 });
  await expect(assistantMessages(page).last()).toHaveAttribute('data-streaming', 'false', {
    timeout: DEMO.replyTimeout,
  });

  await sendMessage(page, 'second');
  await expect(assistantMessages(page)).toHaveCount(2, { timeout: 15_000 });
  const second = assistantMessages(page).last();
  // "first", its reply → 2 earlier messages.
  await expect(content(second)).toContainText(/I can see 2 earlier messages\b/, { timeout: 15_000 });
  await expect(second).toHaveAttribute('data-streaming', 'false', { timeout: DEMO.replyTimeout });
});

test('Shift+Enter inserts a new line instead of sending', async ({ page }) => {
  await openChat(page);
  const input = page.getByTestId('composer-input');
  await input.click();
  await input.pressSequentially('line one');
  await input.press('Shift+Enter');
  await input.pressSequentially('line two');

  await expect(input).toHaveValue('line one\nline two');
  await expect(userMessages(page)).toHaveCount(0);

  await input.press('Enter');
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('line one');
  await expect(userMessages(page).first()).toContainText('line two');
  await expect(input).toHaveValue('');
});

test('the user finds a copy button on every message', async ({ page }) => {
  await openChat(page);
  await sendMessage(page, 'hello');
  const reply = assistantMessages(page).last();
  await expect(reply).toHaveAttribute('data-streaming', 'false', { timeout: DEMO.replyTimeout });

  await expect(userMessages(page).first().getByTestId('copy-message')).toHaveCount(1);
  await expect(reply.getByTestId('copy-message')).toHaveCount(1);
  await reply.hover();
  await expect(reply.getByTestId('copy-message')).toBeVisible();
});

test('a message over the frame limit is refused in the browser and kept in the composer', async ({ page }) => {
  await openChat(page);
  const input = page.getByTestId('composer-input');
  // 1.2 MB: over the server's 1 MiB frame limit.
  const long = 'x'.repeat(1_200_000);
  await input.fill(long);
  await input.press('Enter');
  await expect(page.getByTestId('notice')).toContainText('too long to send');
  await expect(page.getByTestId('notice')).toContainText('limit is 1 MB');
  expect((await input.inputValue()).length).toBe(long.length);
  await expect(userMessages(page)).toHaveCount(0);
  // The connection is still there: a normal message goes through.
  await input.fill('hello');
  await input.press('Enter');
  await expect(userMessages(page).filter({ hasText: 'hello' })).toHaveCount(1);
});
