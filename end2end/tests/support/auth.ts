/**
 * Password sign-in for the browser tests: a Loquat server with logins on and
 * built-in users added through the real CLI, and helpers to sign in.
 *
 *   const site = await LoginServer.start([{ name: 'alice', password: 'alice-secret-1' }]);
 *   await signIn(page, site.user('alice'));   // on the login page already
 *   await site.dispose();                     // stop + remove the data dir
 *
 *   const site = useLoginServer(users, env);  // one for the file's tests
 *
 * The data dir is filled before the server starts: `<bin> users add <name>
 * --password-stdin --data-dir <dir> [--display-name …]` with the password on
 * stdin, run with the same binary the server runs (`serverBinary()`). The
 * secret comes from `<bin> create-secret`. Logins turn on with
 * LOQUAT_AUTH_SECRET and LOQUAT_AUTH_PASSWORD_USERS=true.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, type Page } from '@playwright/test';
import { useSharedServer } from './fixtures';
import { LoquatServer, REPO_ROOT, serverBinary } from './server';

/** A built-in user. */
export interface TestUser {
  name: string;
  password: string;
  /** `--display-name`: what the header shows instead of `name`. */
  displayName?: string;
}

/** The cookie that carries a sign-in (see server/src/auth/cookie.rs). */
export const SESSION_COOKIE = 'loquat_session';

/** The login page's messages (server/src/http/login_page.rs). */
export const LOGIN_TEXT = {
  badCredentials: 'The username or password is not right.',
  signedOut: 'You have signed out.',
  /** A sign-in through an OAuth/OpenID provider failed on Loquat's side
   *  (e.g. an ID token that does not check out). */
  oauthFailed: 'The sign-in with the provider failed. Try again.',
  /** The provider sent the user back with an error (e.g. they cancelled). */
  oauthDenied: 'The provider did not let you sign in.',
};

const CLI_TIMEOUT_MS = 30_000;

/** Runs the app binary's CLI; its stdout, or an error with what it said. */
function cli(args: string[], input?: string, bin = serverBinary()): string {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  // Only the arguments say where the data is.
  delete env.LOQUAT_DATA_DIR;
  const result = spawnSync(bin, args, {
    cwd: REPO_ROOT,
    env,
    input,
    encoding: 'utf8',
    timeout: CLI_TIMEOUT_MS,
  });
  if (result.error) throw new Error(`could not run ${bin} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `${bin} ${args.join(' ')} failed (code ${result.status}, signal ${result.signal}):\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}

/** A fresh secret from `loquat create-secret`. */
export function createSecret(bin?: string): string {
  const secret = cli(['create-secret'], undefined, bin).trim();
  expect(secret.length, 'create-secret prints a secret of 32+ characters').toBeGreaterThanOrEqual(32);
  return secret;
}

/** Adds `user` to the data dir with `users add … --password-stdin`. */
export function addUser(dataDir: string, user: TestUser, bin?: string): void {
  const args = ['users', 'add', user.name, '--password-stdin', '--data-dir', dataDir];
  if (user.displayName !== undefined) args.push('--display-name', user.displayName);
  cli(args, `${user.password}\n`, bin);
}

/** Removes the user `name` with `users remove`: their sign-ins end. */
export function removeUser(dataDir: string, name: string, bin?: string): void {
  cli(['users', 'remove', name, '--data-dir', dataDir], undefined, bin);
}

/** The environment that turns on password sign-in with built-in users. */
export function loginEnv(secret: string): Record<string, string> {
  return { LOQUAT_AUTH_SECRET: secret, LOQUAT_AUTH_PASSWORD_USERS: 'true' };
}

/** A server with logins on and `users` in its data dir. */
export class LoginServer {
  private constructor(
    readonly server: LoquatServer,
    private readonly users: TestUser[],
  ) {}

  /** Adds the users to a fresh data dir, then starts the server on it. */
  static async start(users: TestUser[], env: Record<string, string> = {}): Promise<LoginServer> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-e2e-login-'));
    try {
      for (const user of users) addUser(dataDir, user);
      const server = await LoquatServer.start({ dataDir, env: { ...loginEnv(createSecret()), ...env } });
      return new LoginServer(server, users);
    } catch (err) {
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  get url(): string {
    return this.server.url;
  }

  /** The user called `name` (as it was added). */
  user(name: string): TestUser {
    const user = this.users.find((u) => u.name === name);
    if (!user) throw new Error(`no test user ${name}`);
    return user;
  }

  logs(): string {
    return this.server.logs();
  }

  /** Stops the server and removes its data dir (kept with LOQUAT_E2E_KEEP=1). */
  async dispose(): Promise<void> {
    await this.server.dispose();
    if (process.env.LOQUAT_E2E_KEEP !== '1') fs.rmSync(this.server.dataDir, { recursive: true, force: true });
  }
}

/** One `LoginServer` with `users` (and `env`) for all the tests of the
 *  file that calls this at its top level: see `useSharedServer`.
 *
 *    const site = useLoginServer(USERS, { LOQUAT_DEMO_TOKENS_PER_SEC: '1000' });
 *    test('…', async ({ page }) => { await signIn(page, site().user('alice')); … });
 */
export function useLoginServer(users: TestUser[], env: Record<string, string> = {}): () => LoginServer {
  return useSharedServer(() => LoginServer.start(users, env));
}

/** The path and query of the page's address. */
export function pathOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

/** Expects the sign-in page, sent there from `next` when given. */
export async function expectLoginPage(page: Page, next?: string): Promise<void> {
  await expect(page.getByTestId('login-page')).toBeVisible();
  await expect(page.getByTestId('login-form')).toBeVisible();
  await expect(page).toHaveURL((url) => url.pathname === '/login');
  if (next !== undefined) {
    await expect(page).toHaveURL((url) => url.searchParams.get('next') === next);
    await expect(page.locator('[data-testid="login-form"] input[name="next"]')).toHaveValue(next);
  }
}

/** Fills the sign-in form with `name` and `password` and submits it; waits
 *  until the browser has followed the server's 303 and returns where it was
 *  sent (on to `next`, or back to the login page with an error code). */
export async function submitLogin(page: Page, name: string, password: string): Promise<URL> {
  await page.getByTestId('login-username').fill(name);
  await page.getByTestId('login-password').fill(password);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/auth/login'),
    page.getByTestId('login-submit').click(),
  ]);
  expect(answer.status(), 'POST /auth/login answers with a redirect').toBe(303);
  const target = new URL(answer.headers()['location'] ?? '', answer.url());
  await page.waitForURL((url) => url.href === target.href);
  return target;
}

/** Signs `user` in from the login page and expects the signed-in header
 *  (server-rendered, so this holds with JavaScript off too). */
export async function signIn(page: Page, user: TestUser): Promise<void> {
  await expectLoginPage(page);
  const target = await submitLogin(page, user.name, user.password);
  if (target.pathname === '/login') {
    const shown = await page.getByTestId('login-error').allInnerTexts();
    throw new Error(`signing in ${user.name} was refused (${target.searchParams.get('error')}): ${shown.join(' ')}`);
  }
  await expect(page.getByTestId('user-menu')).toBeVisible();
  await expect(page.getByTestId('user-name')).toHaveText(user.displayName ?? user.name);
}

/** Collects uncaught errors and CSP violations of a page other than the
 *  fixtures' `page` (which the fixtures watch already). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`${err.name}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.text().includes('Content Security Policy')) errors.push(`CSP violation: ${msg.text()}`);
  });
  return errors;
}
