/**
 * Starts and stops real `loquat` servers for the browser tests.
 *
 *   const server = await LoquatServer.start({ env: { LOQUAT_DEMO_TOKENS_PER_SEC: '10' } });
 *   await page.goto(server.url);
 *   await server.stop();     // SIGTERM, waits for the process to exit
 *   await server.kill();     // SIGKILL, waits for the process to exit
 *   await server.restart();  // same port, same data dir
 *   await server.dispose();  // stop + remove the data dir
 *
 * Each server gets a free port on 127.0.0.1 and a fresh temporary data dir,
 * runs with the repository root as its working directory (or `cwd`), and is
 * ready when `GET /healthz` answers 200 — polled against a deadline, never a
 * fixed sleep. Any Loquat app binary works (`bin`): they all understand
 * `run --host --port --data-dir`.
 *
 * Environment:
 *   LOQUAT_BIN          server binary (default: <target dir>/debug/loquat)
 *   LEPTOS_SITE_ROOT    a built site directory to serve (cargo-leptos builds);
 *                       unset, the server serves the bundle embedded in it
 *   LOQUAT_E2E_VERBOSE  1 = echo server output live
 *   LOQUAT_E2E_KEEP     1 = keep data dirs after the tests
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Environment variables that would switch the default app away from its
 *  deterministic offline demo (or move it elsewhere); never passed through. */
const SCRUBBED_ENV = [
  'OPENAI_API_KEY',
  'LOQUAT_LLM_BASE_URL',
  'LOQUAT_LLM_MODEL',
  'LOQUAT_LLM_API_KEY',
  'LOQUAT_HOST',
  'LOQUAT_PORT',
  'LOQUAT_DATA_DIR',
];

/** Knobs of the scripts and this harness (not server settings). */
const HARNESS_ENV = ['LOQUAT_BIN', 'LOQUAT_CHROMIUM', 'LOQUAT_SKIP_BOOTSTRAP', 'LOQUAT_FAIL_FAST'];

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_LINES_KEPT = 400;

export interface ServerOptions {
  /** Extra environment for the server, e.g. LOQUAT_DEMO_TOKENS_PER_SEC. */
  env?: Record<string, string>;
  /** Data directory; a fresh temporary one when omitted. */
  dataDir?: string;
  /** Port; a free one when omitted. */
  port?: number;
  /** The app binary; the default app (`serverBinary()`) when omitted. */
  bin?: string;
  /** Working directory; the repository root when omitted. */
  cwd?: string;
  /** Serve the bundle embedded in the binary even when LEPTOS_SITE_ROOT is set. */
  embeddedSite?: boolean;
  /** `--root-path`: the app answers under this path (e.g. `/chat`). */
  rootPath?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the server ignored SIGTERM and had to be killed. */
  forced: boolean;
}

export function serverBinary(): string {
  if (process.env.LOQUAT_BIN) return path.resolve(process.env.LOQUAT_BIN);
  return path.join(targetDir(), 'debug', 'loquat');
}

/** The target dir cargo builds into (CARGO_TARGET_DIR or <repo>/target). */
export function targetDir(): string {
  return process.env.CARGO_TARGET_DIR ? path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR) : path.join(REPO_ROOT, 'target');
}

/** The site directory the server is told to serve, if any. */
export function siteRoot(): string | undefined {
  return process.env.LEPTOS_SITE_ROOT ? path.resolve(REPO_ROOT, process.env.LEPTOS_SITE_ROOT) : undefined;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class LoquatServer {
  readonly port: number;
  readonly dataDir: string;
  readonly url: string;
  private readonly env: Record<string, string>;
  private readonly options: ServerOptions;
  private readonly ownsDataDir: boolean;
  private child: ChildProcess | null = null;
  private exited: Promise<ExitInfo> | null = null;
  private exitInfo: ExitInfo | null = null;
  private readonly logLines: string[] = [];
  private starts = 0;

  private constructor(port: number, dataDir: string, ownsDataDir: boolean, options: ServerOptions) {
    this.port = port;
    this.dataDir = dataDir;
    this.ownsDataDir = ownsDataDir;
    this.options = options;
    this.env = options.env ?? {};
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Spawns a server and resolves once it answers /healthz. */
  static async start(options: ServerOptions = {}): Promise<LoquatServer> {
    const port = options.port ?? (await freePort());
    const ownsDataDir = !options.dataDir;
    const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-e2e-'));
    const server = new LoquatServer(port, dataDir, ownsDataDir, options);
    await server.launch();
    return server;
  }

  /** True while the server process is alive. */
  get running(): boolean {
    return this.child !== null && this.exitInfo === null;
  }

  /** The server's output so far (last lines only). */
  logs(): string {
    return this.logLines.join('\n');
  }

  /** SIGTERM, then waits for the exit (SIGKILL after a grace period). */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<ExitInfo> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) throw new Error('server was never started');
    if (this.exitInfo) return this.exitInfo;
    child.kill('SIGTERM');
    const info = await Promise.race([exited, delay(timeoutMs).then(() => null)]);
    if (info) return info;
    this.note(`[e2e] server ignored SIGTERM for ${timeoutMs} ms; sending SIGKILL`);
    child.kill('SIGKILL');
    const killed = await exited;
    killed.forced = true;
    return killed;
  }

  /** SIGKILL (a crash: nothing is flushed), then waits for the exit. */
  async kill(): Promise<ExitInfo> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) throw new Error('server was never started');
    if (this.exitInfo) return this.exitInfo;
    child.kill('SIGKILL');
    return exited;
  }

  /** Stops the server (if running) and starts it again on the same port
   *  with the same data dir. */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    // The old socket may linger for a moment; if the new process cannot bind
    // and exits, try again a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.launch();
        return;
      } catch (err) {
        if (attempt >= 5 || !this.exitInfo) throw err;
        this.note(`[e2e] restart attempt ${attempt} failed; retrying`);
        await delay(200 * attempt);
      }
    }
  }

  /** Stops the server and removes its temporary data dir. */
  async dispose(): Promise<void> {
    if (this.running) await this.stop();
    if (this.ownsDataDir && process.env.LOQUAT_E2E_KEEP !== '1') {
      fs.rmSync(this.dataDir, { recursive: true, force: true });
    }
  }

  private note(line: string): void {
    this.logLines.push(line);
    if (this.logLines.length > LOG_LINES_KEPT) this.logLines.splice(0, this.logLines.length - LOG_LINES_KEPT);
    if (process.env.LOQUAT_E2E_VERBOSE === '1') process.stderr.write(`[loquat:${this.port}] ${line}\n`);
  }

  private async launch(): Promise<void> {
    const bin = this.options.bin ?? serverBinary();
    if (!fs.existsSync(bin)) {
      throw new Error(`Loquat server binary not found at ${bin}; build it (cargo build -p loquat) or set LOQUAT_BIN`);
    }
    const site = this.options.embeddedSite ? undefined : siteRoot();
    if (site && !fs.existsSync(site)) {
      throw new Error(`site root ${site} does not exist; run cargo leptos build or unset LEPTOS_SITE_ROOT`);
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.LEPTOS_SITE_ROOT;
    if (site) env.LEPTOS_SITE_ROOT = site;
    for (const key of SCRUBBED_ENV) delete env[key];
    // The test harness's own LOQUAT_* knobs mean nothing to the server (which
    // reports unknown LOQUAT_* variables).
    for (const key of Object.keys(env)) {
      if (HARNESS_ENV.includes(key) || key.startsWith('LOQUAT_E2E_')) delete env[key];
    }
    Object.assign(env, { NO_COLOR: '1', ...this.env });
    const args = ['run', '--host', '127.0.0.1', '--port', String(this.port), '--data-dir', this.dataDir];
    if (this.options.rootPath) args.push('--root-path', this.options.rootPath);

    this.starts += 1;
    this.note(`[e2e] start #${this.starts}: ${bin} ${args.join(' ')}`);
    const child = spawn(bin, args, { cwd: this.options.cwd ?? REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exitInfo = null;
    this.exited = new Promise<ExitInfo>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        const info: ExitInfo = { code, signal, forced: false };
        this.exitInfo = info;
        this.note(`[e2e] server exited (code ${code}, signal ${signal})`);
        resolve(info);
      };
      child.once('exit', done);
      child.once('error', (err) => {
        this.note(`[e2e] could not run the server: ${err.message}`);
        done(null, null);
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.note(line);
      });
      stream?.on('end', () => {
        if (pending) this.note(pending);
      });
    }

    await this.waitHealthy(START_TIMEOUT_MS);
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exitInfo) {
        throw new Error(
          `loquat exited before it became healthy (code ${this.exitInfo.code}, signal ${this.exitInfo.signal})\n` +
            this.logs(),
        );
      }
      try {
        const res = await fetch(`${this.url}${this.options.rootPath ?? ''}/healthz`, { signal: AbortSignal.timeout(2_000) });
        const body = await res.text();
        if (res.status === 200) return;
        lastError = `HTTP ${res.status}: ${body.slice(0, 200)}`;
      } catch (err) {
        lastError = err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ''}` : String(err);
      }
      // Poll interval (not a readiness guess): try again shortly.
      await delay(100);
    }
    if (this.running) this.child?.kill('SIGKILL');
    throw new Error(`loquat did not answer /healthz within ${timeoutMs} ms (last: ${lastError})\n${this.logs()}`);
  }
}
