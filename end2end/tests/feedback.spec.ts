/**
 * Feedback on assistant replies: thumbs up/down under each top-level reply
 * once it has finished streaming, a small form for a comment and the
 * configured reasons, the saved comment under the reply, taking feedback
 * back, and feedback kept with the thread (reload, export, other tabs).
 *
 * One server for the file, on a data dir whose `config.toml` names the
 * reasons (`[features] feedback_reasons`), written before the server
 * starts; each test has its own thread, so the tests do not depend on each
 * other. The streaming test runs a slow server of its own.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import {
  test,
  expect,
  DEMO,
  assistantMessages,
  content,
  openChat,
  sendMessage,
  useSharedServer,
  userMessages,
  waitReady,
  exchange,
  threadIdOf,
} from './support/fixtures';
import { watchErrors } from './support/auth';
import { LoquatServer } from './support/server';

const REASONS = ['Inaccurate', 'Too long'];

// Pages talk to this server (outside `while a reply streams`).
useSharedServer(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-e2e-feedback-'));
  fs.writeFileSync(path.join(dataDir, 'config.toml'), `[features]\nfeedback_reasons = ${JSON.stringify(REASONS)}\n`);
  let server: LoquatServer;
  try {
    // Fast replies: these tests are about feedback, not about streaming.
    server = await LoquatServer.start({ dataDir, env: { LOQUAT_DEMO_TOKENS_PER_SEC: '1000' } });
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: server.url,
    logs: () => server.logs(),
    dispose: async () => {
      await server.dispose();
      // The data dir was ours, not the server's.
      if (process.env.LOQUAT_E2E_KEEP !== '1') fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

/** The feedback controls of one message. */
function feedbackOf(message: Locator) {
  return {
    up: message.getByTestId('feedback-up'),
    down: message.getByTestId('feedback-down'),
    comment: message.getByTestId('feedback-comment'),
    reasons: message.getByTestId('feedback-reason'),
    reason: (name: string) => message.getByRole('checkbox', { name }),
    submit: message.getByTestId('feedback-submit'),
    saved: message.getByTestId('feedback-saved'),
  };
}

interface ExportedStep {
  id: string;
  type: string;
  output: string;
  feedback?: { value: number; comment?: string; reasons?: string[] };
}

/** The thread's JSON export (`GET /api/threads/<id>/export`). */
async function exportedSteps(page: Page, threadId: string): Promise<{ raw: string; steps: ExportedStep[] }> {
  const response = await page.request.get(`/api/threads/${threadId}/export`);
  expect(response.status()).toBe(200);
  const raw = await response.text();
  const body = JSON.parse(raw) as { format: string; steps: ExportedStep[] };
  expect(body.format).toBe('loquat.thread');
  return { raw, steps: body.steps };
}

/** The step of the exported thread with id `stepId`. */
function stepById(steps: ExportedStep[], stepId: string): ExportedStep {
  const step = steps.find((s) => s.id === stepId);
  expect(step, `step ${stepId} in the export`).toBeDefined();
  return step as ExportedStep;
}

test('thumbs down with a comment and a reason is kept: a reload shows it and the export has it', async ({ page }) => {
  await openChat(page);
  await exchange(page, 'rate this answer');
  const threadId = await threadIdOf(page);
  const reply = assistantMessages(page).last();
  const stepId = (await reply.getAttribute('data-step-id')) ?? '';
  expect(stepId).not.toBe('');
  const fb = feedbackOf(reply);

  // Nothing chosen yet, no form.
  await expect(fb.up).toHaveAttribute('aria-pressed', 'false');
  await expect(fb.down).toHaveAttribute('aria-pressed', 'false');
  await expect(fb.comment).toHaveCount(0);
  await expect(fb.saved).toHaveCount(0);

  // The vote counts at once; the form opens, with one box per reason.
  await fb.down.click();
  await expect(fb.down).toHaveAttribute('aria-pressed', 'true');
  await expect(fb.up).toHaveAttribute('aria-pressed', 'false');
  await expect(fb.comment).toBeVisible();
  await expect(fb.reasons).toHaveCount(REASONS.length);
  for (const reason of REASONS) await expect(fb.reason(reason)).not.toBeChecked();

  const comment = 'The list repeats itself; shorter please.';
  await fb.comment.fill(comment);
  await fb.reason('Too long').check();
  await expect(fb.reason('Too long')).toBeChecked();
  await fb.submit.click();

  // The form closes and the comment shows under the reply.
  await expect(fb.comment).toHaveCount(0);
  await expect(fb.submit).toHaveCount(0);
  await expect(fb.saved).toHaveText(comment);
  await expect(fb.down).toHaveAttribute('aria-pressed', 'true');

  // Kept with the thread: the reloaded page shows it.
  await page.reload();
  await waitReady(page);
  await expect(page).toHaveURL(new RegExp(`/thread/${threadId}$`));
  await expect(assistantMessages(page)).toHaveCount(1);
  const reloaded = feedbackOf(assistantMessages(page).first());
  await expect(reloaded.down).toHaveAttribute('aria-pressed', 'true');
  await expect(reloaded.up).toHaveAttribute('aria-pressed', 'false');
  await expect(reloaded.saved).toHaveText(comment);
  await expect(reloaded.comment).toHaveCount(0);

  // And the export carries it on the reply, with the reason picked only.
  const { raw, steps } = await exportedSteps(page, threadId);
  expect(raw).toContain(comment);
  expect(stepById(steps, stepId).feedback).toEqual({ value: 0, comment, reasons: ['Too long'] });
  const user = steps.find((s) => s.type === 'user_message');
  expect(user?.output).toBe('rate this answer');
  expect(user?.feedback).toBeUndefined();
});

test('a second tab on the same thread sees feedback come and go without a reload', async ({ page, context }) => {
  await openChat(page);
  await exchange(page, 'two tabs, one thread');
  const threadId = await threadIdOf(page);

  const other = await context.newPage();
  const otherErrors = watchErrors(other);
  await other.goto(`/thread/${threadId}`);
  await waitReady(other);
  await expect(assistantMessages(other)).toHaveCount(1);
  await expect(content(assistantMessages(other).first())).toContainText('two tabs, one thread');
  // A mark that a reload would wipe.
  await other.evaluate(() => {
    (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
  });
  const here = feedbackOf(assistantMessages(page).first());
  const there = feedbackOf(assistantMessages(other).first());
  await expect(there.up).toHaveAttribute('aria-pressed', 'false');
  await expect(there.saved).toHaveCount(0);

  // Thumbs up with a comment in the first tab…
  await here.up.click();
  await expect(here.up).toHaveAttribute('aria-pressed', 'true');
  const comment = 'Exactly what I needed.';
  await here.comment.fill(comment);
  await here.reason('Inaccurate').check();
  await here.submit.click();
  await expect(here.saved).toHaveText(comment);

  // …shows in the second one as it happens.
  await expect(there.up).toHaveAttribute('aria-pressed', 'true');
  await expect(there.down).toHaveAttribute('aria-pressed', 'false');
  await expect(there.saved).toHaveText(comment);
  // Its own form never opened.
  await expect(there.comment).toHaveCount(0);

  // Taken back in the second tab, it goes in the first.
  await there.up.click();
  await expect(there.up).toHaveAttribute('aria-pressed', 'false');
  await expect(there.saved).toHaveCount(0);
  await expect(here.up).toHaveAttribute('aria-pressed', 'false');
  await expect(here.saved).toHaveCount(0);

  expect(await other.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  expect(otherErrors).toEqual([]);
  await other.close();
});

test('clicking the chosen thumb again takes the feedback back, for good', async ({ page }) => {
  await openChat(page);
  await exchange(page, 'change my mind');
  const threadId = await threadIdOf(page);
  const reply = assistantMessages(page).last();
  const stepId = (await reply.getAttribute('data-step-id')) ?? '';
  const fb = feedbackOf(reply);

  await fb.up.click();
  await expect(fb.up).toHaveAttribute('aria-pressed', 'true');
  const comment = 'Nice, but I will think again.';
  await fb.comment.fill(comment);
  await fb.submit.click();
  await expect(fb.saved).toHaveText(comment);
  // Stored before it is taken back.
  expect(stepById((await exportedSteps(page, threadId)).steps, stepId).feedback).toEqual({ value: 1, comment });

  await fb.up.click();
  await expect(fb.up).toHaveAttribute('aria-pressed', 'false');
  await expect(fb.down).toHaveAttribute('aria-pressed', 'false');
  await expect(fb.saved).toHaveCount(0);
  await expect(fb.comment).toHaveCount(0);

  // Gone from the thread as well: a reload and the export agree.
  await page.reload();
  await waitReady(page);
  const reloaded = feedbackOf(assistantMessages(page).first());
  await expect(reloaded.up).toHaveAttribute('aria-pressed', 'false');
  await expect(reloaded.down).toHaveAttribute('aria-pressed', 'false');
  await expect(reloaded.saved).toHaveCount(0);
  const { raw, steps } = await exportedSteps(page, threadId);
  expect(stepById(steps, stepId).feedback).toBeUndefined();
  expect(raw).not.toContain(comment);

  // The other thumb then works as a fresh vote: no comment carried over.
  await reloaded.down.click();
  await expect(reloaded.down).toHaveAttribute('aria-pressed', 'true');
  await expect(reloaded.up).toHaveAttribute('aria-pressed', 'false');
  await expect(reloaded.comment).toHaveValue('');
  await reloaded.submit.click();
  await expect(reloaded.comment).toHaveCount(0);
  await expect(reloaded.saved).toHaveCount(0);
  await expect
    .poll(async () => stepById((await exportedSteps(page, threadId)).steps, stepId).feedback, { timeout: 10_000 })
    .toEqual({ value: 0 });
});

test('user messages have no feedback buttons; every reply has one pair', async ({ page }) => {
  await openChat(page);
  await exchange(page, 'first question');
  await exchange(page, 'second question');
  await expect(userMessages(page)).toHaveCount(2);
  await expect(assistantMessages(page)).toHaveCount(2);

  for (const reply of await assistantMessages(page).all()) {
    await expect(reply.getByTestId('feedback-up')).toHaveCount(1);
    await expect(reply.getByTestId('feedback-down')).toHaveCount(1);
  }
  for (const user of await userMessages(page).all()) {
    await expect(user.getByTestId('copy-message')).toHaveCount(1);
    await expect(user.getByTestId('feedback-up')).toHaveCount(0);
    await expect(user.getByTestId('feedback-down')).toHaveCount(0);
  }
  // Two pairs on the page, both under replies.
  await expect(page.getByTestId('feedback-up')).toHaveCount(2);
  await expect(page.getByTestId('feedback-down')).toHaveCount(2);

  // Still so after a reload.
  await page.reload();
  await waitReady(page);
  await expect(assistantMessages(page)).toHaveCount(2);
  await expect(page.getByTestId('feedback-up')).toHaveCount(2);
  await expect(userMessages(page).getByTestId('feedback-up')).toHaveCount(0);
  await expect(userMessages(page).getByTestId('feedback-down')).toHaveCount(0);
});

test.describe('while a reply streams', () => {
  // A server of its own, slow enough to look at a reply mid-stream (the
  // whole reply takes ~20 s).
  test.use({
    serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '10' },
    baseURL: async ({ server }, use) => {
      await use(server.url);
    },
  });

  test('the thumbs appear only once the reply has finished', async ({ page }) => {
    await openChat(page);
    await sendMessage(page, 'stream slowly');
    const reply = assistantMessages(page).last();
    await expect(reply).toHaveAttribute('data-streaming', 'true', { timeout: 15_000 });
    await expect(content(reply)).not.toBeEmpty();
    // One look at the reply, so that "no thumbs" is seen on an unfinished
    // reply (and a failure says which of the two did not hold).
    await expect
      .poll(() =>
        reply.evaluate((el) => ({
          streaming: el.getAttribute('data-streaming'),
          thumbs: el.querySelectorAll('[data-testid="feedback-up"], [data-testid="feedback-down"]').length,
        })),
      )
      .toEqual({ streaming: 'true', thumbs: 0 });

    await expect(reply).toHaveAttribute('data-streaming', 'false', { timeout: DEMO.replyTimeout });
    await expect(reply.getByTestId('feedback-up')).toHaveCount(1);
    await expect(reply.getByTestId('feedback-down')).toHaveCount(1);
    await expect(reply.getByTestId('feedback-up')).toHaveAttribute('aria-pressed', 'false');
  });
});
