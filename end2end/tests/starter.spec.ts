/**
 * An app of the developer's own, made the documented way: `loquat new DIR`
 * writes a crate outside the workspace that depends on loquat by path; the
 * developer adds a custom element in its public/elements/ and a hook that
 * shows it; plain `cargo build` (its own target dir) builds it; the binary,
 * started from the crate's directory like `cargo run`, serves a page that
 * hydrates, answers, and renders the crate's own custom element.
 *
 * The first build compiles loquat and the browser bundle into that target
 * dir (LOQUAT_STARTER_TARGET, default <target>/starter; kept between runs).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, expect, assistantMessages, content, openChat, sendMessage } from './support/fixtures';
import { serverBinary, targetDir } from './support/server';

const STARTER_TARGET = process.env.LOQUAT_STARTER_TARGET ?? path.join(targetDir(), 'starter');
const APP_DIR = path.join(os.tmpdir(), 'loquat-starter', 'support-bot');
const APP_BIN = path.join(STARTER_TARGET, 'debug', 'support-bot');
const BUILD_TIMEOUT_MS = 40 * 60_000;

/** The developer's custom element: greets whoever the props name. */
const GREETING_JS = `class LoquatGreeting extends HTMLElement {
  set props(value) {
    this.textContent = 'Hello, ' + String((value || {}).name) + '!';
    this.dataset.testid = 'greeting';
  }
}
customElements.define('loquat-greeting', LoquatGreeting);
`;

/** The developer's hook, added to the generated app. */
const GREETING_HOOK = `Loquat::new()
        .on_chat_start(|chat: Chat| async move {
            let hello = loquat::Element::custom("greeting", loquat::json!({ "name": "Ada" }));
            chat.send(Message::assistant("Welcome!").element(hello)).await?;
            Ok(())
        })`;

/** Runs a command to the end; its output goes to `log`. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(log, 'a');
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', out, out] });
    child.on('error', reject);
    child.on('exit', (code) => {
      fs.closeSync(out);
      if (code === 0) return resolve();
      const tail = fs.readFileSync(log, 'utf8').split('\n').slice(-60).join('\n');
      reject(new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${tail}`));
    });
  });
}

/** Generates and builds the app once per worker (the build is the slow part). */
const starterTest = test.extend<object, { starterApp: string }>({
  starterApp: [
    async ({}, use) => {
      await use(await generateAndBuild());
    },
    { scope: 'worker', timeout: BUILD_TIMEOUT_MS },
  ],
  app: async ({ starterApp }, use) => {
    await use({ bin: starterApp, cwd: APP_DIR, embeddedSite: true });
  },
});

/** `loquat new`, the developer's additions, `cargo build`; the binary's path. */
async function generateAndBuild(): Promise<string> {
  const log = path.join(os.tmpdir(), 'loquat-starter', 'build.log');
  fs.rmSync(APP_DIR, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(APP_DIR), { recursive: true });
  fs.writeFileSync(log, '');
  await run(serverBinary(), ['new', APP_DIR], os.tmpdir(), process.env, log);

  const manifest = fs.readFileSync(path.join(APP_DIR, 'Cargo.toml'), 'utf8');
  expect(manifest).toMatch(/^name = "support-bot"$/m);
  expect(manifest).toMatch(/^loquat = \{ path = ".*server" \}$/m);

  fs.writeFileSync(path.join(APP_DIR, 'public', 'elements', 'greeting.js'), GREETING_JS);
  const main = path.join(APP_DIR, 'src', 'main.rs');
  const code = fs.readFileSync(main, 'utf8');
  expect(code).toContain('Loquat::new()');
  fs.writeFileSync(main, code.replace('Loquat::new()', GREETING_HOOK));

  // Plain cargo, as a developer would: none of the workspace's settings.
  const env: NodeJS.ProcessEnv = { ...process.env, CARGO_TARGET_DIR: STARTER_TARGET };
  for (const key of ['RUSTFLAGS', 'LEPTOS_SITE_ROOT', 'LEPTOS_OUTPUT_NAME']) delete env[key];
  // No debug info and no incremental cache: they change nothing the test
  // sees, and with them each build of a fresh clone (a new path, so new
  // artifacts) left ~3 GB in the kept target dir (37 GB after a dozen runs).
  env.CARGO_PROFILE_DEV_DEBUG = '0';
  env.CARGO_INCREMENTAL = '0';
  await run('cargo', ['build'], APP_DIR, env, log);
  expect(fs.existsSync(APP_BIN)).toBe(true);
  return APP_BIN;
}

starterTest('@apps an app made by `loquat new` hydrates, answers and shows its own custom element', async ({
  page,
  consoleErrors,
}) => {
  await openChat(page);
  const greeting = page.getByTestId('greeting');
  await expect(greeting).toHaveText('Hello, Ada!');
  await expect(content(assistantMessages(page).first())).toContainText('Welcome!');

  await sendMessage(page, 'ping');
  await expect(content(assistantMessages(page).last())).toHaveText('Received: ping');
  expect(consoleErrors).toEqual([]);
});
