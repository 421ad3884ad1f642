// Command line, ready line and shutdown shared by the test identity providers in end2end/idp/.
//
//   const args = parseProviderArgs();   // --client-id X --client-secret Y --redirect-uri U [--redirect-uri U2] [--port N]
//   const server = await listenLoopback(handler, args.port);   // 127.0.0.1, port 0 = any free port
//   printReady({ ... });                // the one JSON line on stdout
//   stopOnSignalOrStdinEnd(server);     // exit 0 on SIGTERM, SIGINT, or EOF on a piped stdin
//
// stdout carries nothing but the ready line: console.log and console.info (oidc-provider prints
// notices with console.info) are sent to stderr from the moment this module is imported.
import { fstatSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

console.log = console.error;
console.info = console.error;

export function parseProviderArgs(argv = process.argv.slice(2)) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        port: { type: 'string' },
      },
    }));
  } catch (err) {
    usage(err.message);
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`bad --port ${values.port}`);
  if (!values['client-id']) usage('--client-id is required');
  if (!values['client-secret']) usage('--client-secret is required');
  const redirectUris = values['redirect-uri'] ?? [];
  if (redirectUris.length === 0) usage('at least one --redirect-uri is required');
  for (const uri of redirectUris) {
    if (!URL.canParse(uri)) usage(`--redirect-uri ${uri} is not an absolute URL`);
  }
  return { clientId: values['client-id'], clientSecret: values['client-secret'], redirectUris, port };
}

function usage(problem) {
  process.stderr.write(
    `${problem}\nusage: node ${process.argv[1]} --client-id ID --client-secret SECRET `
      + '--redirect-uri URL [--redirect-uri URL ...] [--port N]\n',
  );
  process.exit(2);
}

export function listenLoopback(handler, port) {
  const server = http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function printReady(info) {
  process.stdout.write(`${JSON.stringify(info)}\n`);
}

export function stopOnSignalOrStdinEnd(server) {
  let stopping = false;
  const stop = (why) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${why}: stopping\n`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
    // A deadline, not a wait for readiness: exit even if a socket refuses to close.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Watch stdin only when it is a pipe or socket from a parent: a terminal or /dev/null is no
  // sign of a parent, and /dev/null would read as closed at once.
  const stdin = fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) {
    process.stdin.on('end', () => stop('stdin closed'));
    process.stdin.on('error', () => stop('stdin error'));
    process.stdin.resume();
  }
}
