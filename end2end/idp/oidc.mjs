// Test OpenID Provider for Loquat's integration and browser tests: oidc-provider (panva) on
// 127.0.0.1, with one confidential client, a plain login form and test controls.
//
// Usage:
//   node end2end/idp/oidc.mjs --client-id loquat --client-secret s3cret \
//     --redirect-uri http://127.0.0.1:4444/auth/oauth/oidc/callback [--redirect-uri ...] [--port N]
// Prints one line when ready, then serves until SIGTERM/SIGINT or until a piped stdin closes:
//   {"issuer":"http://127.0.0.1:PORT","port":PORT,"control":"http://127.0.0.1:PORT/__test"}
// stdout carries only that line; logs go to stderr. Stdin is watched only when it is a pipe or
// socket (Rust: Stdio::piped(), keep the ChildStdin alive; Node: stdio 'pipe'), never /dev/null.
//
// Provider: discovery at /.well-known/openid-configuration; authorization code flow only
// (response_type=code), PKCE S256 required, scopes openid profile email, client authentication
// client_secret_basic or client_secret_post, ID tokens RS256 under a key made at start-up (JWKS
// at /jwks). ID tokens carry the profile and email claims too (conformIdTokenClaims off), and so
// does /me (userinfo). Accounts: any login, password "wonderland"; claims sub=<login>,
// email=<login>@example.test, email_verified=true, name=<Login>, picture=<issuer>/avatar/<login>.png.
//
// What a scripted client (no JavaScript) does; keep one cookie jar for the whole flow, cookies
// are path-scoped, httpOnly, SameSite=Lax and not Secure (plain http):
//  1. GET <issuer>/auth?response_type=code&client_id=..&redirect_uri=..&scope=openid%20profile%20email
//         &state=..&nonce=..&code_challenge=<b64url(sha256(verifier))>&code_challenge_method=S256
//     → 303 Location: /interaction/<uid>   (relative)
//       sets _interaction, _interaction.sig (Path=/interaction/<uid>) and
//            _interaction_resume, _interaction_resume.sig (Path=/auth/<uid>)
//     (with a live _session cookie and no prompt=login it may go straight to step 4's answer)
//  2. GET <issuer>/interaction/<uid> → 200 HTML:
//       <form method="post" action="/interaction/<uid>/login"> inputs login, password; button
//  3. POST <issuer>/interaction/<uid>/login, application/x-www-form-urlencoded
//         login=alice&password=wonderland
//     → 303 Location: <issuer>/auth/<uid>   (absolute)
//       wrong password → 200 with the form again and <p id="error">Invalid login or password.</p>
//  4. GET <issuer>/auth/<uid> → 303 Location: <redirect_uri>?code=..&state=..&iss=<issuer>
//       sets _session, _session.sig (Path=/). Should consent be missing (not for this client's
//       scopes) it is 303 to /interaction/<uid2> instead, which answers 303 to /auth/<uid2>:
//       following Location headers until one starts with the redirect_uri always works.
//  5. POST <issuer>/token  grant_type=authorization_code&code=..&redirect_uri=..&code_verifier=..
//       with Authorization: Basic b64(urlenc(id):urlenc(secret)), or client_id+client_secret in the
//       body → {"access_token","expires_in","id_token","scope","token_type":"Bearer"}
// Logging in as ANOTHER account while the jar holds a live _session: step 4 answers 200 with a
// self-submitting form (JavaScript) instead; a scripted client POSTs its hidden fields (xsrf,
// logout=yes) to <issuer>/session/end/confirm and follows the 303s to the redirect_uri. A fresh
// cookie jar per account avoids it.
// Errors at /auth for a known client and redirect_uri come back to the redirect_uri as
// ?error=..&error_description=..&state=..&iss=..; GET /interaction/<uid>/abort gives access_denied.
//
// Test controls (see oidc-tamper.mjs): POST/GET <issuer>/__test/mode; and
//   GET <issuer>/__test/last-authorize → every query parameter of the last GET /auth (not of the
//   /auth/<uid> resumes), e.g. {"prompt":"login","code_challenge_method":"S256","nonce":..,...}.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';
import { listenLoopback, parseProviderArgs, printReady, stopOnSignalOrStdinEnd } from './lib/cli.mjs';
import { oidcClaims } from './lib/accounts.mjs';
import { sendAvatar } from './lib/avatar.mjs';
import { sendJson } from './lib/http.mjs';
import { createLogin } from './oidc-login.mjs';
import { createTamper } from './oidc-tamper.mjs';

const args = parseProviderArgs();

let handler = (_req, res) => {
  res.writeHead(503);
  res.end();
};
const server = await listenLoopback((req, res) => handler(req, res), args.port);
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const signingKey = rsa();
const wrongKey = rsa();
const kid = `loquat-test-${randomUUID()}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: args.clientId,
    client_secret: args.clientSecret,
    redirect_uris: args.redirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code'],
    // client_secret_post is accepted for a client registered with client_secret_basic.
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  responseTypes: ['code'],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'picture'],
    email: ['email', 'email_verified'],
  },
  conformIdTokenClaims: false,
  ttl: { AccessToken: 3600, AuthorizationCode: 600, IdToken: 3600, Interaction: 3600, Session: 86400, Grant: 86400 },
  jwks: { keys: [{ ...signingKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  features: {
    devInteractions: { enabled: false },
    pushedAuthorizationRequests: { enabled: false },
    dPoP: { enabled: false },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: async () => oidcClaims(issuer, sub),
  }),
  renderError: (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});

const tamper = createTamper({ issuer, signingKey, wrongKey });
provider.use(tamper.middleware);
const login = createLogin(provider);
const providerCallback = provider.callback();
let lastAuthorize = {};

async function route(req, res) {
  const url = new URL(req.url, issuer);
  if (url.pathname === '/__test/last-authorize' && req.method === 'GET') {
    sendJson(res, 200, lastAuthorize);
    return;
  }
  if (await tamper.control(req, res, url)) return;
  if (await login(req, res, url)) return;
  if (req.method === 'GET' && sendAvatar(res, url.pathname)) return;
  if (url.pathname === '/auth' && req.method === 'GET') lastAuthorize = Object.fromEntries(url.searchParams);
  providerCallback(req, res);
}

handler = (req, res) => {
  route(req, res).catch((err) => {
    process.stderr.write(`oidc.mjs: ${req.method} ${req.url}: ${err.stack}\n`);
    if (!res.headersSent) sendJson(res, err.status ?? 500, { error: err.message });
    else res.destroy();
  });
};

stopOnSignalOrStdinEnd(server);
printReady({ issuer, port, control: `${issuer}/__test` });
