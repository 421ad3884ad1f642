import { test, expect, openChat, sendMessage, assistantMessages, userMessages, waitReady } from './support/fixtures';
import type { Locator, Page } from '@playwright/test';

/** The element of `type` shown in the feed (the last one when several). */
function element(page: Page, type: string): Locator {
  return page.locator(`[data-testid="element"][data-element-type="${type}"]`).last();
}

/** Runs a showcase command and waits for the assistant's answer. */
async function command(page: Page, text: string): Promise<void> {
  const before = await assistantMessages(page).count();
  await sendMessage(page, text);
  await expect(assistantMessages(page)).toHaveCount(before + 1, { timeout: 15_000 });
}

/** Loaded media report a natural size or metadata. */
async function loaded(media: Locator, property: 'naturalWidth' | 'readyState'): Promise<number> {
  return media.evaluate((el, prop) => Number((el as unknown as Record<string, unknown>)[prop]) || 0, property);
}

test('each inline element kind shows and loads', async ({ page }) => {
  await openChat(page);
  await command(page, '/elements');
  const message = assistantMessages(page).last();

  const image = element(page, 'image');
  await expect(image).toHaveAttribute('data-display', 'inline');
  await expect.poll(() => loaded(image.locator('img'), 'naturalWidth')).toBeGreaterThan(0);

  await expect(element(page, 'text')).toContainText('println!("hello")');
  await expect(element(page, 'text').locator('.code-lang')).toHaveText('rust');

  const file = element(page, 'file').locator('a');
  await expect(file).toHaveAttribute('download', 'harvest.csv');
  await expect(file).toContainText('25 B');
  const download = await file.evaluate(async (a) => (await fetch((a as HTMLAnchorElement).href)).text());
  expect(download).toContain('loquat,12');

  const pdf = element(page, 'pdf').locator('iframe');
  await expect(pdf).toHaveAttribute('src', /\/element\/[\w-]+\/content#page=2$/);
  const pdfType = await pdf.evaluate(async (f) => (await fetch((f as HTMLIFrameElement).src)).headers.get('content-type'));
  expect(pdfType).toBe('application/pdf');

  const audio = element(page, 'audio').locator('audio');
  await expect(audio).toHaveAttribute('controls', '');
  await expect.poll(() => loaded(audio, 'readyState')).toBeGreaterThan(0);
  const video = element(page, 'video').locator('video');
  await expect.poll(() => loaded(video, 'readyState')).toBeGreaterThan(0);

  const chart = element(page, 'chart').locator('img');
  await expect.poll(() => loaded(chart, 'naturalWidth')).toBeGreaterThan(0);

  // All of them belong to the message, and stay after a reload.
  await expect(message.getByTestId('element')).toHaveCount(7);
  await page.reload();
  await waitReady(page);
  await expect(assistantMessages(page).last().getByTestId('element')).toHaveCount(7);
});

test('a 10,000-row dataframe pages and sorts', async ({ page }) => {
  await openChat(page);
  await command(page, '/table');
  const frame = element(page, 'dataframe');
  const status = frame.getByTestId('dataframe-status');
  const rows = frame.getByTestId('dataframe-row');
  await expect(status).toHaveText('Rows 1–20 of 10000');
  await expect(rows).toHaveCount(20);
  await expect(rows.first().locator('td').first()).toHaveText('1');

  await frame.getByTestId('dataframe-next').click();
  await expect(status).toHaveText('Rows 21–40 of 10000');
  await expect(rows.first().locator('td').first()).toHaveText('21');
  await frame.getByTestId('dataframe-prev').click();
  await expect(rows.first().locator('td').first()).toHaveText('1');

  const score = frame.locator('[data-testid="dataframe-sort"][data-column="2"]');
  await score.click();
  await expect(rows.first().locator('td').nth(2)).toHaveText('0.0');
  await score.click();
  await expect(rows.first().locator('td').nth(2)).toHaveText('99.9');
  await expect(frame.locator('th[aria-sort="descending"]')).toHaveCount(1);
});

test('plotly.js loads only when a plot is shown, and the plot is interactive', async ({ page }) => {
  const plotlyRequests: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('plotly')) plotlyRequests.push(r.url());
  });
  await openChat(page);
  await command(page, '/help');
  expect(plotlyRequests, 'plotly.js on first load').toEqual([]);

  await command(page, '/plot');
  // The step that prepared the data shows it as an element under its output.
  const step = page.locator('[data-testid="step"][data-step-name="prepare data"]');
  const toggle = step.getByTestId('step-toggle').first();
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  const data = step.locator('[data-testid="element"][data-element-type="text"]');
  await expect(data).toBeVisible();
  await expect(data).toContainText('"ripeness"');
  const plot = element(page, 'plotly').getByTestId('plotly');
  await expect(plot).toHaveAttribute('data-state', 'ready', { timeout: 20_000 });
  expect(plotlyRequests.length).toBe(1);
  await expect(plot.locator('.main-svg').first()).toBeVisible();
  await expect(plot.locator('.modebar')).toHaveCount(1);
  // Hovering a point shows its value.
  const point = await plot.locator('.scatterlayer .point').nth(3).boundingBox();
  expect(point).not.toBeNull();
  await page.mouse.move(point!.x + point!.width / 2, point!.y + point!.height / 2);
  await expect(plot.locator('.hoverlayer .hovertext')).toContainText('8');
});

test('a task list beside the chat updates live', async ({ page }) => {
  await openChat(page);
  // Record every state the list shows (the states are brief).
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { taskStates: string[] }).taskStates = seen;
    const record = () => {
      const tasks = Array.from(document.querySelectorAll('[data-testid="task"]'));
      const state = tasks.map((t) => t.getAttribute('data-status')).join(',');
      if (state && seen[seen.length - 1] !== state) seen.push(state);
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await sendMessage(page, '/tasks');
  const list = page.getByTestId('tasklist');
  await expect(list).toBeVisible({ timeout: 15_000 });
  await expect(list.getByTestId('task')).toHaveCount(3);
  await expect(list.getByTestId('tasklist-status')).toHaveText('Done', { timeout: 15_000 });
  const states = await page.evaluate(() => (window as unknown as { taskStates: string[] }).taskStates);
  expect(states).toEqual([
    'running,ready,ready',
    'done,running,ready',
    'done,done,running',
    'done,done,done',
  ]);
  // The last task links to the message that finished the plan.
  await expect(list.getByTestId('task').nth(2)).toHaveClass(/linked/);
});

test('a custom element updates its props, calls an action, sends a message and removes itself', async ({ page }) => {
  await openChat(page);
  await command(page, '/custom');
  const custom = element(page, 'custom');
  const value = custom.getByTestId('counter-value');
  await expect(value).toHaveText('Loquats: 0');

  // Mark the component: a props update must reach this same instance.
  await custom.locator('loquat-counter').evaluate((el) => ((el as unknown as { marked: boolean }).marked = true));
  await custom.getByTestId('counter-increment').click();
  await expect(value).toHaveText('Loquats: 1');
  expect(await custom.locator('loquat-counter').evaluate((el) => (el as unknown as { marked?: boolean }).marked)).toBe(true);
  await custom.getByTestId('counter-increment').click();
  await expect(value).toHaveText('Loquats: 2');
  await page.reload();
  await waitReady(page);
  await expect(element(page, 'custom').getByTestId('counter-value')).toHaveText('Loquats: 2');

  const replies = await assistantMessages(page).count();
  await element(page, 'custom').getByTestId('counter-action').click();
  await expect(assistantMessages(page)).toHaveCount(replies + 1);
  await expect(assistantMessages(page).last()).toContainText('The counter called an action with {"count":2}.');

  const asked = await userMessages(page).count();
  await element(page, 'custom').getByTestId('counter-message').click();
  await expect(userMessages(page)).toHaveCount(asked + 1);
  await expect(userMessages(page).last()).toContainText('The counter shows 2.');

  await element(page, 'custom').getByTestId('counter-delete').click();
  await expect(page.locator('[data-testid="element"][data-element-type="custom"]')).toHaveCount(0);
});

test('side and page elements open from links in the text', async ({ page, context }) => {
  await openChat(page);
  await command(page, '/side');
  const message = assistantMessages(page).last();
  // Not shown inline: reached through their names.
  await expect(message.getByTestId('element')).toHaveCount(0);
  const links = message.getByTestId('element-link');
  await expect(links).toHaveCount(2);

  await links.filter({ hasText: 'sources' }).click();
  const panel = page.getByTestId('side-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('element')).toHaveAttribute('data-display', 'side');
  await expect(panel).toContainText('The Loquat Book');
  await panel.getByTestId('side-panel-close').click();
  await expect(panel).toBeHidden();

  const [tab] = await Promise.all([context.waitForEvent('page'), links.filter({ hasText: 'handbook' }).click()]);
  await tab.waitForLoadState();
  expect(new URL(tab.url()).pathname).toMatch(/^\/element\/[\w-]+$/);
  await expect(tab.getByTestId('element-page')).toBeVisible();
  await expect(tab.locator('[data-testid="element"][data-element-type="pdf"] iframe')).toHaveCount(1);
  await tab.close();

  const missing = await page.goto('/element/0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee');
  expect(missing?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toBeVisible();
});

test('the app opens and closes the side panel itself', async ({ page }) => {
  await openChat(page);
  await command(page, '/panel');
  const panel = page.getByTestId('side-panel');
  await expect(panel).toBeVisible();
  await expect(panel.locator('.side-panel-title')).toHaveText('Notes');
  await expect(panel.getByTestId('element')).toHaveCount(2);
  await command(page, '/panel close');
  await expect(panel).toBeHidden();
});

test('action buttons run their callbacks; a removed one stays removed after reload', async ({ page }) => {
  await openChat(page);
  await command(page, '/actions');
  const message = assistantMessages(page).filter({ hasText: 'Pick one:' });
  const like = message.locator('[data-testid="action"][data-action-name="demo_like"]');
  const remove = message.locator('[data-testid="action"][data-action-name="demo_remove"]');
  await expect(like).toHaveText('Like');
  await expect(like).toHaveAttribute('title', 'Tell the demo you like it');
  await expect(like.locator('.action-icon svg')).toHaveCount(1);

  const before = await assistantMessages(page).count();
  await like.click();
  await expect(assistantMessages(page)).toHaveCount(before + 1);
  await expect(assistantMessages(page).last()).toContainText('You clicked Like (payload {"liked":true}).');

  await remove.click();
  await expect(assistantMessages(page)).toHaveCount(before + 2);
  await expect(remove).toHaveCount(0);

  await page.reload();
  await waitReady(page);
  const reloaded = assistantMessages(page).filter({ hasText: 'Pick one:' });
  await expect(reloaded.getByTestId('action')).toHaveCount(1);
  await expect(reloaded.locator('[data-action-name="demo_like"]')).toBeVisible();
});
