/**
 * An nginx of a test's own, from one of the templates in scripts/services/
 * (the words between at signs filled in), on a free loopback port, in a
 * temp dir, in the foreground; ready when it takes connections.
 *
 *   const nginx = await Nginx.start(required('LOQUAT_TEST_NGINX_SUBPATH_CONF'), { ROOT: '/chat', NODE: '4100' });
 *   await page.goto(`${nginx.url}/chat/`);
 *   nginx.stop();
 *
 * scripts/test.sh (scripts/services.sh) installs nginx and names the
 * templates; without them these tests fail and say so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { freePort } from './server';

const NGINX_START_TIMEOUT_MS = 15_000;

/** An environment variable the test services set, or an error naming it. */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the tests with scripts/test.sh, or scripts/services.sh …, which start the test services`);
  }
  return value;
}

/** True when something takes TCP connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class Nginx {
  /** Where it listens: `http://127.0.0.1:<port>`. */
  readonly url: string;
  private readonly process: ChildProcess;
  private readonly dir: string;

  private constructor(url: string, child: ChildProcess, dir: string) {
    this.url = url;
    this.process = child;
    this.dir = dir;
  }

  /** Fills `template` (`@USER@`, `@PREFIX@` and `@LISTEN@` itself, the
   *  rest from `words`) and runs it. */
  static async start(template: string, words: Record<string, string>): Promise<Nginx> {
    const bin = required('LOQUAT_TEST_NGINX');
    const listen = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-nginx-'));
    let conf = fs
      .readFileSync(template, 'utf8')
      .replaceAll('@USER@', process.getuid?.() === 0 ? 'user root;' : '')
      .replaceAll('@PREFIX@', dir)
      .replaceAll('@LISTEN@', String(listen));
    for (const [word, value] of Object.entries(words)) conf = conf.replaceAll(`@${word}@`, value);
    fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
    const child = spawn(bin, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    const deadline = Date.now() + NGINX_START_TIMEOUT_MS;
    while (!(await accepts(listen))) {
      if (Date.now() > deadline || child.exitCode !== null) {
        const log = fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '';
        child.kill('SIGKILL');
        fs.rmSync(dir, { recursive: true, force: true });
        throw new Error(`nginx did not start (exit ${child.exitCode}): ${stderr}${log}`);
      }
      await delay(50); // poll interval, not a readiness guess
    }
    return new Nginx(`http://127.0.0.1:${listen}`, child, dir);
  }

  stop(): void {
    this.process.kill('SIGTERM');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
