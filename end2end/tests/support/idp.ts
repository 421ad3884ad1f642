/**
 * Test identity providers for the browser tests: starts end2end/idp/oidc.mjs
 * (a real OpenID provider, oidc-provider) or end2end/idp/github.mjs (GitHub's
 * OAuth web flow and /user API) on 127.0.0.1 and stops it again.
 *
 *   const idp = await startOidcProvider({ clientId: 'loquat', clientSecret: 's3cret',
 *     redirectUris: [`${server.url}/auth/oauth/oidc/callback`] });
 *   idp.issuer                       // http://127.0.0.1:PORT
 *   await idp.setMode('expired');    // the next ID token is tampered with (one-shot)
 *   await idp.lastAuthorize()        // query of the last GET /auth, e.g. { prompt: 'login', ... }
 *   idp.logs()                       // what it wrote to stderr so far (for failure reports)
 *   await idp.stop();
 *
 *   const gh = await startGithub({ clientId, clientSecret, redirectUris });
 *   gh.base                          // stands for https://github.com and https://api.github.com
 *
 * Accounts: any login; the OpenID provider's password is "wonderland" (the
 * login form has inputs `login`, `password` and a "Sign in" button; GitHub's
 * has `login` and an "Authorize" button). Each provider runs as a child of
 * this process (process.execPath), is ready when it prints its JSON line
 * (deadline 20 s), and exits when stopped or when this process dies (its stdin
 * pipe closes). LOQUAT_E2E_VERBOSE=1 echoes their stderr.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const IDP_DIR = path.resolve(__dirname, '..', '..', 'idp');
const READY_DEADLINE_MS = 20_000;
const STOP_DEADLINE_MS = 5_000;

export interface IdpOptions {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Default: any free port. */
  port?: number;
}

export type TamperMode =
  | 'normal'
  | 'wrong_nonce'
  | 'wrong_audience'
  | 'expired'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'slow';

export interface OidcProvider {
  issuer: string;
  port: number;
  /** http://127.0.0.1:PORT/__test */
  control: string;
  /** Misbehave on the next token response; `slow` waits delayMs (default 5000). */
  setMode(mode: TamperMode, delayMs?: number): Promise<void>;
  /** The current mode and the last one applied. */
  mode(): Promise<{ mode: TamperMode; delay_ms: number; last_applied: TamperMode | null }>;
  lastAuthorize(): Promise<Record<string, string>>;
  /** Its stderr so far. */
  logs(): string;
  stop(): Promise<void>;
}

export interface GithubProvider {
  base: string;
  port: number;
  /** Its stderr so far. */
  logs(): string;
  stop(): Promise<void>;
}

interface Started<Ready> {
  ready: Ready;
  logs(): string;
  stop(): Promise<void>;
}

function startIdp<Ready>(script: string, options: IdpOptions): Promise<Started<Ready>> {
  const args = [path.join(IDP_DIR, script), '--client-id', options.clientId, '--client-secret', options.clientSecret];
  for (const uri of options.redirectUris) args.push('--redirect-uri', uri);
  if (options.port !== undefined) args.push('--port', String(options.port));
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const verbose = process.env.LOQUAT_E2E_VERBOSE === '1';
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    if (verbose) process.stderr.write(`[${script}] ${chunk}`);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
      await exited;
      clearTimeout(timer);
    }
  };

  return new Promise<Started<Ready>>((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      void stop();
      reject(new Error(`${script}: ${why}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${READY_DEADLINE_MS} ms`), READY_DEADLINE_MS);
    const onError = (err: Error) => fail(err.message);
    const onEarlyExit = (code: number | null, signal: string | null) => fail(`exited (${code ?? signal}) before it was ready`);
    child.once('error', onError);
    child.once('exit', onEarlyExit);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.off('error', onError);
      child.off('exit', onEarlyExit);
      try {
        resolve({ ready: JSON.parse(out.slice(0, newline)) as Ready, logs: () => stderr, stop });
      } catch {
        fail(`bad ready line ${out.slice(0, newline)}`);
      }
    });
  });
}

async function json<T>(response: Response, what: string): Promise<T> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function startOidcProvider(options: IdpOptions): Promise<OidcProvider> {
  const { ready, logs, stop } = await startIdp<{ issuer: string; port: number; control: string }>('oidc.mjs', options);
  const { issuer, port, control } = ready;
  return {
    issuer,
    port,
    control,
    async setMode(mode, delayMs) {
      const response = await fetch(`${control}/mode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mode, delay_ms: delayMs }),
      });
      await json(response, `setMode(${mode})`);
    },
    async mode() {
      return json(await fetch(`${control}/mode`), 'mode()');
    },
    async lastAuthorize() {
      return json(await fetch(`${control}/last-authorize`), 'lastAuthorize()');
    },
    logs,
    stop,
  };
}

export async function startGithub(options: IdpOptions): Promise<GithubProvider> {
  const { ready, logs, stop } = await startIdp<{ base: string; port: number }>('github.mjs', options);
  return { base: ready.base, port: ready.port, logs, stop };
}
