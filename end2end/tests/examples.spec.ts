/**
 * Every example in server/examples/ runs as its doc comment says
 * (`cargo run -p loquat --example NAME`, which builds
 * <target>/debug/examples/NAME; scripts/test.sh builds them all), serves a
 * page that hydrates with the bundle embedded in it, and chats, with no
 * console errors. A new example without an entry in CHATS fails here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, expect, assistantMessages, content, openChat, sendMessage, waitReady } from './support/fixtures';
import { OpenAiMock } from './support/openai-mock';
import { REPO_ROOT, targetDir } from './support/server';
import type { Page } from '@playwright/test';

const EXAMPLES_DIR = path.join(REPO_ROOT, 'server', 'examples');
const EXAMPLES = fs
  .readdirSync(EXAMPLES_DIR)
  .filter((file) => file.endsWith('.rs'))
  .map((file) => file.slice(0, -'.rs'.length))
  .sort();

interface Chat {
  /** What the user sends. */
  send: string;
  /** What the user then sees. */
  check: (page: Page) => Promise<void>;
  /** Needs an OpenAI-compatible endpoint. */
  llm?: boolean;
  /** Serves the chat under this path (`--root-path`). */
  rootPath?: string;
  /** What the site shows besides the chat. */
  site?: (page: Page) => Promise<void>;
}

const CHATS: Record<string, Chat> = {
  hello: {
    send: 'hi there',
    check: async (page) => {
      await expect(content(assistantMessages(page).last())).toHaveText('Received: hi there');
    },
  },
  streaming: {
    send: 'abc',
    check: async (page) => {
      await expect(content(assistantMessages(page).first())).toContainText('I will spell it out');
      const reply = assistantMessages(page).nth(1);
      await expect(reply).toHaveAttribute('data-streaming', 'false');
      await expect(content(reply)).toHaveText('abc');
    },
  },
  steps: {
    send: 'loquats',
    check: async (page) => {
      await expect(content(assistantMessages(page).last())).toContainText('Here is what I found about loquats.');
      const research = page.locator('[data-testid="step"][data-step-name="Research"]');
      await expect(research).toHaveAttribute('data-status', 'done');
      await expect(page.locator('[data-testid="step"][data-step-name="citation_check"]')).toHaveAttribute(
        'data-status',
        'error',
      );
      // The hook named the thread: the history shows its name, not the message.
      await expect(page.getByTestId('thread-item').first()).toContainText('Research: loquats');
    },
  },
  profiles: {
    send: 'hi',
    check: async (page) => {
      await expect(content(assistantMessages(page).first())).toHaveText('You are talking to Support.');
      await expect(content(assistantMessages(page).last())).toHaveText('[Support] hi');
    },
  },
  axum_embed: {
    send: 'hi from the host app',
    rootPath: '/chat',
    check: async (page) => {
      await expect(content(assistantMessages(page).last())).toHaveText('Received: hi from the host app');
    },
    // The developer's own routes answer beside the chat.
    site: async (page) => {
      await page.goto('/');
      await expect(page.getByRole('heading', { name: 'My product' })).toBeVisible();
      await page.getByRole('link', { name: 'Ask the assistant' }).click();
      await expect(page).toHaveURL((url) => url.pathname === '/chat/');
      await waitReady(page);
    },
  },
  openai: {
    send: 'What is a loquat?',
    llm: true,
    check: async (page) => {
      const expected = 'You said "What is a loquat?". I see 2 messages.';
      await expect(content(assistantMessages(page).last())).toHaveText(expected);
    },
  },
};

test('@apps every example has a browser test', () => {
  expect(EXAMPLES.length).toBeGreaterThan(0);
  expect(EXAMPLES).toEqual(Object.keys(CHATS).sort());
});

/** The examples' tests, with an OpenAI-compatible endpoint for those that need one. */
const exampleTest = test.extend<{ llm: OpenAiMock | null; needsLlm: boolean }>({
  needsLlm: [false, { option: true }],
  llm: async ({ needsLlm }, use) => {
    const llm = needsLlm ? await OpenAiMock.start() : null;
    await use(llm);
    await llm?.close();
  },
  serverEnv: async ({ llm }, use) => {
    await use(llm ? { LOQUAT_LLM_BASE_URL: llm.baseUrl, LOQUAT_LLM_MODEL: llm.model } : {});
  },
});

for (const name of EXAMPLES) {
  const chat = CHATS[name];
  if (!chat) continue;
  exampleTest.describe(`example ${name}`, () => {
    exampleTest.use({
      app: { bin: path.join(targetDir(), 'debug', 'examples', name), embeddedSite: true, rootPath: chat.rootPath },
      needsLlm: chat.llm ?? false,
    });

    exampleTest(`@apps ${name} hydrates and chats`, async ({ page, consoleErrors, llm }) => {
      if (chat.site) await chat.site(page);
      else await openChat(page);
      await sendMessage(page, chat.send);
      await chat.check(page);
      if (llm) {
        expect(llm.requests.at(-1)?.messages.at(-1)).toEqual({ role: 'user', content: chat.send });
      }
      expect(consoleErrors).toEqual([]);
    });
  });
}
