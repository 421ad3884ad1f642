import {
  test,
  expect,
  DEMO,
  assistantMessages,
  content,
  occurrences,
  openChat,
  sendMessage,
  userMessages,
  waitReady,
} from './support/fixtures';

// ~20 tokens per second: the reply is still streaming when the page reloads.
test.use({ serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '20' } });

test('the user reloads mid-reply and the reply continues without loss or duplication', async ({ page }) => {
  await openChat(page);
  await sendMessage(page, 'hello before reload');

  const reply = assistantMessages(page).last();
  await expect(content(reply)).toContainText(/\S/, { timeout: 15_000 });
  await expect(reply).toHaveAttribute('data-streaming', 'true');

  await page.reload();
  await waitReady(page);

  // Same conversation after the reload…
  await expect(userMessages(page)).toHaveCount(1, { timeout: 15_000 });
  await expect(userMessages(page).first()).toContainText('hello before reload');
  await expect(assistantMessages(page)).toHaveCount(1, { timeout: 15_000 });

  // …and the reply completes.
  const after = assistantMessages(page).first();
  await expect(after).toHaveAttribute('data-streaming', 'false', { timeout: DEMO.replyTimeout });
  const text = (await content(after).innerText()).trim();
  expect(text).toContain(DEMO.closing);
  expect(text.endsWith(DEMO.lastWords), `reply ends with "${DEMO.lastWords}":\n${text}`).toBe(true);

  // Exactly once: nothing replayed twice, nothing lost at the seam.
  expect(occurrences(text, DEMO.heading)).toBe(1);
  expect(occurrences(text, 'You said:')).toBe(1);
  expect(occurrences(text, 'Here is what just happened')).toBe(1);
  expect(occurrences(text, 'Loquat::new()')).toBe(1);
  expect(occurrences(text, DEMO.closing)).toBe(1);
  await expect(content(after).locator('h2')).toHaveCount(1);
  const items = await content(after).locator('ul > li').allInnerTexts();
  expect(items.length).toBeGreaterThanOrEqual(2);
  expect(new Set(items).size, `list items are all different: ${JSON.stringify(items)}`).toBe(items.length);
  await expect(content(after).locator('pre code')).toHaveCount(1);
  await expect(userMessages(page)).toHaveCount(1);
  await expect(assistantMessages(page)).toHaveCount(1);
});
