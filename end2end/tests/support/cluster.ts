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
import { execFileSync } from 'node:child_process';

import { Nginx, required } from './nginx';
import { freePort, LoquatServer } from './server';

/** A new, empty database on the test PostgreSQL; its URL. */
function createDatabase(): string {
  const admin = required('LOQUAT_TEST_POSTGRES_URL');
  const name = `loquat_e2e_${process.pid}_${Date.now()}`;
  execFileSync('psql', [admin, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `CREATE DATABASE ${name}`]);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

export class Cluster {
  /** The load balancer's address: what a browser opens. */
  readonly url: string;
  readonly nodes: (LoquatServer | null)[];
  private readonly ports: number[];
  private readonly database: string;
  private readonly nginx: Nginx;
  private readonly env: Record<string, string>;

  private constructor(url: string, ports: number[], database: string, nginx: Nginx, env: Record<string, string>) {
    this.url = url;
    this.ports = ports;
    this.database = database;
    this.nginx = nginx;
    this.env = env;
    this.nodes = ports.map(() => null);
  }

  /** A database, `count` node ports and nginx in front of them (no node
   *  runs yet: start them with `startNode`). */
  static async create(count: number, env: Record<string, string> = {}): Promise<Cluster> {
    const database = createDatabase();
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    // nginx is ready when it takes connections (a request would find no
    // node up and mark them all down for a while).
    const nginx = await Nginx.start(required('LOQUAT_TEST_NGINX_CONF'), {
      SERVERS: ports.map((p) => `        server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n'),
    });
    return new Cluster(nginx.url, ports, database, nginx, env);
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
    this.nginx.stop();
  }
}
