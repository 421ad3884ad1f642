/**
 * MCP servers each user adds in the chat (`[features.mcp] user_servers`):
 * the composer's MCP button and panel, a server added there connecting
 * with its tool count, a refusal shown in the panel, the list back after
 * a reload (kept in this browser's local storage, per user), removal, and
 * a second user who never sees the first's servers.
 *
 * The MCP server is the repository's test server
 * (`server/examples/mcp_test_server`, 5 tools) over streamable HTTP on a
 * loopback port, the one host the app allows. The server side is tested
 * in server/tests/mcp.rs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { test, expect, waitReady } from './support/fixtures';
import { LoginServer, expectLoginPage, signIn, type TestUser } from './support/auth';
import { freePort, targetDir } from './support/server';

const USERS: TestUser[] = [
  { name: 'alice', password: 'wonderland-a' },
  { name: 'bob', password: 'wonderland-b' },
];

/** The example MCP server (`cargo build -p loquat --examples`): next to
 *  the app's binary, else the debug build's (the release run of the suite
 *  uses the debug examples). */
function mcpServerBinary(): string {
  const besideApp = process.env.LOQUAT_BIN
    ? path.join(path.dirname(path.resolve(process.env.LOQUAT_BIN)), 'examples', 'mcp_test_server')
    : '';
  if (besideApp && fs.existsSync(besideApp)) return besideApp;
  return path.join(targetDir(), 'debug', 'examples', 'mcp_test_server');
}

/** Resolves once something accepts connections on the port; throws after 30 s. */
async function listening(port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let mcp: ChildProcess | undefined;
let mcpUrl = '';
let site: LoginServer | undefined;

test.beforeAll(async () => {
  const bin = mcpServerBinary();
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: cargo build -p loquat --example mcp_test_server`);
  const port = await freePort();
  mcp = spawn(bin, ['--http', `127.0.0.1:${port}`], { stdio: 'ignore' });
  await listening(port);
  mcpUrl = `http://127.0.0.1:${port}/mcp`;
  site = await LoginServer.start(USERS, {
    LOQUAT_FEATURES_MCP_ENABLED: 'true',
    LOQUAT_FEATURES_MCP_USER_SERVERS: 'true',
    LOQUAT_FEATURES_MCP_USER_ALLOWED_HOSTS: `127.0.0.1:${port}`,
  });
});

test.afterAll(async () => {
  await site?.dispose();
  mcp?.kill();
});

function app(): LoginServer {
  if (!site) throw new Error('the server has not started');
  return site;
}

/** A fresh browser signed in as `name`, on the chat. */
async function signedIn(browser: Browser, name: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: app().url });
  const page = await context.newPage();
  await page.goto('/');
  await expectLoginPage(page, '/');
  await signIn(page, app().user(name));
  await waitReady(page);
  return page;
}

async function openPanel(page: Page) {
  await page.getByTestId('composer-mcp').click();
  const panel = page.getByTestId('mcp-panel');
  await expect(panel).toBeVisible();
  return panel;
}

function row(page: Page, name: string) {
  return page.locator(`[data-testid="mcp-server"][data-name="${name}"]`);
}

test('a user adds an MCP server in the panel, keeps it across a reload and removes it; another user never sees it', async ({
  browser,
}) => {
  const alice = await signedIn(browser, 'alice');
  const panel = await openPanel(alice);
  await expect(panel.getByTestId('mcp-server')).toHaveCount(0);

  // A host the app does not allow: refused, said in the panel, nothing listed.
  await alice.getByTestId('mcp-add-name').fill('meta');
  await alice.getByTestId('mcp-add-url').fill('http://169.254.169.254/latest');
  await alice.getByTestId('mcp-add-submit').click();
  await expect(alice.getByTestId('mcp-error')).toContainText('does not allow');
  await expect(panel.getByTestId('mcp-server')).toHaveCount(0);

  // The test server, with a header: connected, with its 5 tools.
  await alice.getByTestId('mcp-add-name').fill('calc');
  await alice.getByTestId('mcp-add-url').fill(mcpUrl);
  await alice.getByTestId('mcp-add-header-name').fill('X-Api-Key');
  await alice.getByTestId('mcp-add-header-value').fill('not-checked');
  await alice.getByTestId('mcp-add-submit').click();
  const calc = row(alice, 'calc');
  await expect(calc).toHaveAttribute('data-status', 'connected', { timeout: 20_000 });
  await expect(calc).toHaveAttribute('data-source', 'user');
  await expect(calc.getByTestId('mcp-server-tools')).toHaveAttribute('data-count', '5');
  await expect(calc.getByTestId('mcp-server-tools')).toHaveText('5 tools');
  await expect(alice.getByTestId('mcp-error')).toBeHidden();

  // Reloaded, the browser sends its list again: the server is back.
  await alice.reload();
  await waitReady(alice);
  await openPanel(alice);
  await expect(row(alice, 'calc')).toHaveAttribute('data-status', 'connected', { timeout: 20_000 });

  // Bob, in another browser, has none of it.
  const bob = await signedIn(browser, 'bob');
  await openPanel(bob);
  await expect(bob.getByTestId('mcp-server')).toHaveCount(0);
  await bob.context().close();

  // Removed: gone, and still gone after a reload.
  await row(alice, 'calc').getByTestId('mcp-server-remove').click();
  await expect(row(alice, 'calc')).toHaveCount(0);
  await alice.reload();
  await waitReady(alice);
  await openPanel(alice);
  await expect(alice.getByTestId('mcp-server')).toHaveCount(0);
  await alice.context().close();
});
