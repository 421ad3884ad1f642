import {
  test,
  expect,
  DEMO,
  assistantMessages,
  content,
  exchange,
  messages,
  sendMessage,
  threadIdOf,
  userMessages,
  waitReady,
} from './support/fixtures';
import { Cluster } from './support/cluster';

// Three nodes behind nginx (round robin), one PostgreSQL, one NATS: what
// docs/deploy.md describes. ~40 tokens a second: a reply streams for
// several seconds, long enough to kill its node in the middle.
const env = { LOQUAT_DEMO_TOKENS_PER_SEC: '40' };
const NOTICE = 'stopped before it finished';

let cluster: Cluster | null = null;

test.afterEach(async ({}, testInfo) => {
  if (cluster && testInfo.status !== testInfo.expectedStatus) {
    cluster.nodes.forEach((node, i) => {
      if (node) process.stderr.write(`\n----- node ${i} log -----\n${node.logs()}\n`);
    });
  }
  await cluster?.dispose();
  cluster = null;
});

test('a node killed mid-reply: the tab goes on through another node, nothing completed is lost', async ({ page }) => {
  cluster = await Cluster.create(3, env);
  // Only node 0 is up: the tab's socket lands there.
  await cluster.startNode(0);
  await page.goto(cluster.url);
  await waitReady(page);
  await exchange(page, 'hello from the first node');
  const firstReply = (await content(assistantMessages(page).first()).innerText()).trim();
  expect(firstReply).toContain(DEMO.heading);
  await threadIdOf(page);

  // The other nodes join; a reply streams on node 0.
  await cluster.startNode(1);
  await cluster.startNode(2);
  await sendMessage(page, 'tell me more');
  const streaming = assistantMessages(page).nth(1);
  await expect(streaming).toHaveAttribute('data-streaming', 'true', { timeout: 15_000 });
  await expect(content(streaming)).toContainText(/\S/);

  // Node 0 dies mid-reply.
  await cluster.nodes[0]!.kill();

  // The tab reconnects through nginx to another node, which takes the chat
  // over: every completed message is there, and a notice for the cut one.
  await expect(messages(page).filter({ hasText: NOTICE })).toHaveCount(1, { timeout: 30_000 });
  await expect(page.getByTestId('connection-status')).toBeHidden({ timeout: 15_000 });
  await expect(userMessages(page)).toHaveCount(2);
  expect((await content(assistantMessages(page).first()).innerText()).trim()).toBe(firstReply);
  await expect(page.locator('[data-testid="message"][data-streaming="true"]')).toHaveCount(0);

  // The chat goes on.
  await exchange(page, 'still there?');
  await expect(assistantMessages(page).last()).toContainText(DEMO.heading);
  await expect(userMessages(page)).toHaveCount(3);
});

test('stop pressed in a tab on another node stops the reply on its node', async ({ page, browser }) => {
  cluster = await Cluster.create(2, env);
  await cluster.startNode(0);
  await page.goto(cluster.url);
  await waitReady(page);
  await exchange(page, 'first');
  const thread = await threadIdOf(page);
  await cluster.startNode(1);
  const other = await browser.newPage();
  await other.goto(`${cluster.nodes[1]!.url}/thread/${thread}`);
  await waitReady(other);

  await sendMessage(page, 'a long one');
  const reply = assistantMessages(other).nth(1);
  await expect(reply).toHaveAttribute('data-streaming', 'true', { timeout: 15_000 });
  await other.getByTestId('composer-stop').click();
  // Stopped on node 0: both tabs see the reply end, cut short.
  for (const tab of [page, other]) {
    await expect(assistantMessages(tab).nth(1)).toHaveAttribute('data-streaming', 'false', { timeout: 15_000 });
    await expect(tab.getByTestId('composer-stop')).toBeHidden();
  }
  expect((await content(assistantMessages(page).nth(1)).innerText()).trim()).not.toContain(DEMO.lastWords);
  await other.close();
});
