import {
  test,
  expect,
  DEMO,
  assistantMessages,
  content,
  openChat,
  sendMessage,
} from './support/fixtures';

// ~10 tokens per second: a full reply takes ~15 s, plenty of time to stop it.
test.use({ serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '10' } });

test('the user stops a streaming reply and keeps the partial answer', async ({ page }) => {
  await openChat(page);
  await sendMessage(page, 'tell me everything');

  const reply = assistantMessages(page).last();
  const stop = page.getByTestId('composer-stop');
  await expect(content(reply)).toContainText(/\S/, { timeout: 15_000 });
  await expect(reply).toHaveAttribute('data-streaming', 'true');
  await expect(stop).toBeVisible();

  await stop.click();

  await expect(reply).toHaveAttribute('data-streaming', 'false', { timeout: 10_000 });
  await expect(stop).toBeHidden();
  const partial = (await content(reply).innerText()).trim();
  expect(partial.length).toBeGreaterThan(0);
  expect(partial).not.toContain(DEMO.closing);

  // The composer works again: a second message gets a reply…
  await sendMessage(page, 'and now?');
  await expect(assistantMessages(page)).toHaveCount(2, { timeout: 15_000 });
  const second = assistantMessages(page).last();
  await expect(content(second)).toContainText(/\S/, { timeout: 15_000 });

  // …and the stopped one did not quietly go on streaming.
  const first = assistantMessages(page).first();
  await expect(first).toHaveAttribute('data-streaming', 'false');
  expect((await content(first).innerText()).trim()).toBe(partial);
});
