/**
 * Several Loquat nodes as one app, for the cluster tests: a fresh database
 * on the test PostgreSQL, nodes sharing it and the test NATS, and an nginx
 * round robin in front of them (scripts/services/nginx-cluster.conf).
 *
 *   const cluster = await Cluster.create(3);
 *   await cluster.startNode(0);           // the others stay down for now
 *   await page.goto(cluster.url);         // through nginx
 *   await cluster.nodes[0].kill();        // SIGKILL
 *   await cluster.dispose();
 *
 * scripts/test.sh (scripts/services.sh) starts PostgreSQL and NATS and
 * installs nginx; without them these tests fail and say so.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { freePort, LoquatServer } from './server';

const NGINX_START_TIMEOUT_MS = 15_000;

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the tests with scripts/test.sh, or scripts/services.sh …, which start the cluster's services`);
  }
  return value;
}

/** A new, empty database on the test PostgreSQL; its URL. */
function createDatabase(): string {
  const admin = required('LOQUAT_TEST_POSTGRES_URL');
  const name = `loquat_e2e_${process.pid}_${Date.now()}`;
  execFileSync('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `CREATE DATABASE ${name}`]);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
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

export class Cluster {
  /** The load balancer's address: what a browser opens. */
  readonly url: string;
  readonly nodes: (LoquatServer | null)[];
  private readonly ports: number[];
  private readonly database: string;
  private readonly nginx: ChildProcess;
  private readonly nginxDir: string;
  private readonly env: Record<string, string>;

  private constructor(url: string, ports: number[], database: string, nginx: ChildProcess, nginxDir: string, env: Record<string, string>) {
    this.url = url;
    this.ports = ports;
    this.database = database;
    this.nginx = nginx;
    this.nginxDir = nginxDir;
    this.env = env;
    this.nodes = ports.map(() => null);
  }

  /** A database, `count` node ports and nginx in front of them (no node
   *  runs yet: start them with `startNode`). */
  static async create(count: number, env: Record<string, string> = {}): Promise<Cluster> {
    const nginxBin = required('LOQUAT_TEST_NGINX');
    const template = fs.readFileSync(required('LOQUAT_TEST_NGINX_CONF'), 'utf8');
    const database = createDatabase();
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    const listen = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-nginx-'));
    const conf = template
      .replaceAll('@USER@', process.getuid?.() === 0 ? 'user root;' : '')
      .replaceAll('@PREFIX@', dir)
      .replaceAll('@LISTEN@', String(listen))
      .replaceAll('@SERVERS@', ports.map((p) => `        server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n'));
    fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
    const nginx = spawn(nginxBin, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    nginx.stderr?.setEncoding('utf8');
    nginx.stderr?.on('data', (chunk: string) => (stderr += chunk));
    const url = `http://127.0.0.1:${listen}`;
    const cluster = new Cluster(url, ports, database, nginx, dir, env);
    // Ready when it takes connections (a request would find no node up
    // and mark them all down for a while).
    const deadline = Date.now() + NGINX_START_TIMEOUT_MS;
    while (!(await accepts(listen))) {
      if (Date.now() > deadline || nginx.exitCode !== null) {
        const log = fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '';
        nginx.kill('SIGKILL');
        throw new Error(`nginx did not start (exit ${nginx.exitCode}): ${stderr}${log}`);
      }
      await delay(50); // poll interval, not a readiness guess
    }
    return cluster;
  }

  /** Starts node `i` (again) on its port, as one of the cluster. */
  async startNode(i: number): Promise<LoquatServer> {
    const node = await LoquatServer.start({
      port: this.ports[i],
      env: {
        DATABASE_URL: this.database,
        LOQUAT_CLUSTER_NATS_URL: required('LOQUAT_TEST_NATS_URL'),
        LOQUAT_CLUSTER_NODE_NAME: `e2e-${process.pid}-${Date.now()}-${i}`,
        LOQUAT_URL: this.url,
        LOQUAT_PROJECT_PROXIES: '127.0.0.1',
        ...this.env,
      },
    });
    this.nodes[i] = node;
    return node;
  }

  async dispose(): Promise<void> {
    for (const node of this.nodes) await node?.dispose();
    this.nginx.kill('SIGTERM');
    fs.rmSync(this.nginxDir, { recursive: true, force: true });
  }
}
