import { readFile, writeFile } from 'node:fs/promises';
import {
  test,
  expect,
  assistantMessages,
  content,
  openChat,
  userMessages,
  waitReady,
  exchange,
} from './support/fixtures';
import type { Page } from '@playwright/test';

// Fast replies: these tests are about what is kept, not about streaming.
test.use({ serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '1000' } });

test('a chat is saved: its address is the thread, and a reload shows its messages', async ({ page }) => {
  await openChat(page);
  await exchange(page, 'remember the loquats');
  await expect(page).toHaveURL(/\/thread\/[\w-]+$/);

  await page.reload();
  await waitReady(page);
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('remember the loquats');
  await expect(assistantMessages(page)).toHaveCount(1);
  await expect(content(assistantMessages(page).first())).toContainText('remember the loquats');
});

test('a deep link opens the thread in a new tab; an unknown thread is not found', async ({ page, context }) => {
  await openChat(page);
  await exchange(page, 'deep link me');
  await expect(page).toHaveURL(/\/thread\//);
  const url = page.url();

  const other = await context.newPage();
  await other.goto(url);
  await waitReady(other);
  await expect(userMessages(other)).toHaveCount(1);
  await expect(userMessages(other).first()).toContainText('deep link me');
  await expect(assistantMessages(other)).toHaveCount(1);

  const response = await other.goto('/thread/no-such-thread');
  expect(response?.status()).toBe(404);
  await expect(other.getByTestId('not-found')).toBeVisible();
  await expect(other.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 30_000 });
  await expect(other.getByTestId('not-found')).toBeVisible();
});

test('editing a message replaces what followed with a re-run', async ({ page }) => {
  await openChat(page);
  await exchange(page, 'first words');
  await exchange(page, 'second words');
  await expect(userMessages(page)).toHaveCount(2);

  const first = userMessages(page).first();
  await first.hover();
  await first.getByTestId('message-edit').click();
  const input = first.getByTestId('message-edit-input');
  await input.fill('edited words');
  await first.getByTestId('message-edit-save').click();

  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('edited words');
  await expect(assistantMessages(page)).toHaveCount(1, { timeout: 30_000 });
  await expect(content(assistantMessages(page).first())).toContainText('edited words', { timeout: 30_000 });
  await expect(page.getByText('second words')).toHaveCount(0);

  // Persisted: a reload shows the edited conversation.
  await expect(assistantMessages(page).first()).toHaveAttribute('data-streaming', 'false', { timeout: 30_000 });
  await page.reload();
  await waitReady(page);
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('edited words');
});

test('rerun answers the last message again; undo and clear remove messages', async ({ page }) => {
  await openChat(page);
  await exchange(page, 'say it again');
  const firstReply = await assistantMessages(page).first().getAttribute('data-step-id');

  await page.getByTestId('rerun').click();
  await expect(assistantMessages(page).first()).not.toHaveAttribute('data-step-id', firstReply ?? '', {
    timeout: 30_000,
  });
  await expect(assistantMessages(page)).toHaveCount(1);
  await expect(assistantMessages(page).first()).toHaveAttribute('data-streaming', 'false', { timeout: 30_000 });

  await exchange(page, 'one more');
  await page.getByTestId('undo').click();
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('say it again');

  await page.getByTestId('clear').click();
  await expect(page.getByTestId('message')).toHaveCount(0);
});

test('download JSON holds the conversation and imports back as a new thread', async ({ page }) => {
  await openChat(page);
  await exchange(page, 'export this conversation');

  await page.getByTestId('thread-menu').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
  const path = await download.path();
  const exported = JSON.parse(await readFile(path, 'utf8'));
  expect(exported.format).toBe('loquat.thread');
  const texts = exported.steps.map((s: { output: string }) => s.output);
  expect(texts).toContain('export this conversation');
  const shown = (await content(assistantMessages(page).first()).innerText()).trim();
  const reply = exported.steps.find((s: { type: string }) => s.type === 'assistant_message');
  expect(reply.output).toContain('export this conversation');
  expect(shown.length).toBeGreaterThan(0);

  await page.getByTestId('thread-menu').click();
  const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-jsonl').click()]);
  const line = JSON.parse((await readFile(await jsonl.path(), 'utf8')).trim());
  expect(line.messages[0]).toEqual({ role: 'user', content: 'export this conversation' });

  await page.getByTestId('thread-menu').click();
  const before = page.url();
  await page.getByTestId('import-thread').setInputFiles(path);
  await expect(page).not.toHaveURL(before);
  await expect(page).toHaveURL(/\/thread\//);
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('export this conversation');
});

function threadItems(page: Page) {
  return page.getByTestId('thread-list').getByTestId('thread-item');
}

test('history lists the chat, highlighted, and it survives a reload', async ({ page }) => {
  await openChat(page);
  await exchange(page, 'remember the loquats');
  const threadId = page.url().split('/thread/')[1];
  const item = threadItems(page).filter({ hasText: 'remember the loquats' });
  await expect(item).toHaveCount(1);
  await expect(item).toHaveAttribute('data-thread-id', threadId);
  await expect(item).toHaveAttribute('aria-current', 'page');

  await page.reload();
  await waitReady(page);
  await expect(item).toHaveCount(1);
  await expect(item).toHaveAttribute('aria-current', 'page');
});

test('selecting a thread in history resumes it; new chat starts empty', async ({ page }) => {
  await openChat(page);
  await exchange(page, 'the first conversation');
  await page.getByTestId('new-chat').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(userMessages(page)).toHaveCount(0);
  await exchange(page, 'the second conversation');
  await expect(threadItems(page)).toHaveCount(2);

  await threadItems(page).filter({ hasText: 'the first conversation' }).click();
  await expect(userMessages(page)).toHaveCount(1);
  await expect(userMessages(page).first()).toContainText('the first conversation');
  await expect(page).toHaveURL(/\/thread\//);
  // The resumed conversation goes on.
  await exchange(page, 'and a follow-up');
  await expect(userMessages(page)).toHaveCount(2);
});

test('a thread can be renamed, found by search and deleted from history', async ({ page }) => {
  await openChat(page);
  await exchange(page, 'keep this one');
  await page.getByTestId('new-chat').click();
  await exchange(page, 'throw this away');
  await expect(threadItems(page)).toHaveCount(2);

  const keep = threadItems(page).filter({ hasText: 'keep this one' });
  await keep.hover();
  await keep.getByTestId('thread-rename').click();
  const nameInput = page.getByTestId('thread-rename-input');
  await nameInput.fill('Renamed thread');
  await nameInput.press('Enter');
  await expect(threadItems(page).filter({ hasText: 'Renamed thread' })).toHaveCount(1);

  await page.getByTestId('thread-search').fill('throw');
  await expect(threadItems(page)).toHaveCount(1);
  await expect(threadItems(page).first()).toContainText('throw this away');
  await page.getByTestId('thread-search').fill('');
  await expect(threadItems(page)).toHaveCount(2);

  const doomed = threadItems(page).filter({ hasText: 'throw this away' });
  await doomed.hover();
  await doomed.getByTestId('thread-delete').click();
  await page.getByTestId('confirm').click();
  await expect(threadItems(page)).toHaveCount(1);
  await expect(threadItems(page).first()).toContainText('Renamed thread');

  await page.reload();
  await waitReady(page);
  await expect(threadItems(page)).toHaveCount(1);
  await expect(threadItems(page).first()).toContainText('Renamed thread');
});

test('history search finds a thread by its reply and shows the passage, the words marked', async ({ page }) => {
  await openChat(page);
  await exchange(page, 'tell me about quokkas');
  await page.getByTestId('new-chat').click();
  await exchange(page, 'something else entirely');
  await expect(threadItems(page)).toHaveCount(2);

  // "WebSocket" is in the demo's replies only, never in what was typed:
  // both threads are found by their replies, each with the passage.
  const search = page.getByTestId('thread-search');
  await search.fill('websock');
  await expect(threadItems(page)).toHaveCount(2);
  for (const item of await threadItems(page).all()) {
    const snippet = item.getByTestId('thread-snippet');
    await expect(snippet).toBeVisible();
    await expect(snippet.locator('mark').first()).toHaveText('WebSocket');
  }

  // Every word must match, in one message: only the quokka thread's reply
  // has both. Its marks are the words searched, as text.
  await search.fill('quokkas websocket');
  await expect(threadItems(page)).toHaveCount(1);
  const item = threadItems(page).first();
  await expect(item).toContainText('tell me about quokkas');
  const marks = item.getByTestId('thread-snippet').locator('mark');
  await expect(marks.first()).toBeVisible();
  for (const text of await marks.allTextContents()) {
    expect(text.toLowerCase()).toMatch(/^(quokkas|websocket)$/);
  }

  // Cleared: the whole history again, without passages.
  await search.fill('');
  await expect(threadItems(page)).toHaveCount(2);
  await expect(page.getByTestId('thread-snippet')).toHaveCount(0);
});

test('an imported PDF from another site is a link, never a frame of the page', async ({ page }, testInfo) => {
  await openChat(page);
  await exchange(page, 'a thread to carry a pdf');
  await page.getByTestId('thread-menu').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
  const exported = JSON.parse(await readFile(await download.path(), 'utf8'));
  const message = exported.steps.find((s: { type: string }) => s.type === 'user_message');
  exported.elements = [
    {
      id: 'e-evil',
      thread_id: exported.thread.id,
      for_id: message.id,
      type: 'pdf',
      name: 'invoice.pdf',
      display: 'inline',
      url: 'https://evil.example/invoice.pdf',
      props: {},
      created_at: message.created_at,
    },
  ];
  const path = testInfo.outputPath('with-foreign-pdf.json');
  await writeFile(path, JSON.stringify(exported));
  await page.getByTestId('thread-menu').click();
  const before = page.url();
  await page.getByTestId('import-thread').setInputFiles(path);
  await expect(page).not.toHaveURL(before);
  const pdf = page.locator('[data-testid="element"][data-element-type="pdf"]');
  await expect(pdf).toHaveCount(1);
  await expect(pdf.getByTestId('element-pdf-link')).toHaveAttribute('href', 'https://evil.example/invoice.pdf');
  await expect(pdf.getByTestId('element-pdf-link')).toHaveAttribute('rel', /noopener/);
  await expect(page.locator('iframe')).toHaveCount(0);
});
