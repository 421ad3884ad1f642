// Test stand-in for GitHub's OAuth apps for Loquat's integration and browser tests: GitHub's web
// flow and the two REST calls a login needs, on 127.0.0.1, in memory. The real GitHub cannot be
// reached from the test machines; this speaks its protocol, with one registered OAuth app.
//
// Usage:
//   node end2end/idp/github.mjs --client-id loquat --client-secret s3cret \
//     --redirect-uri http://127.0.0.1:4444/auth/oauth/github/callback [--redirect-uri ...] [--port N]
// Prints one line when ready, then serves until SIGTERM/SIGINT or until a piped stdin closes:
//   {"base":"http://127.0.0.1:PORT","port":PORT}
// stdout carries only that line; logs go to stderr. Stdin is watched only when it is a pipe or
// socket (Rust: Stdio::piped(), keep the ChildStdin alive; Node: stdio 'pipe'), never /dev/null.
// BASE stands for both https://github.com and https://api.github.com (/api/v3/user and
// /api/v3/user/emails answer too, as on GitHub Enterprise).
//
// What a scripted client does (no cookies anywhere):
//  1. GET BASE/login/oauth/authorize?client_id=..&redirect_uri=..&state=..&scope=read:user%20user:email
//         [&code_challenge=<b64url(sha256(verifier))>&code_challenge_method=S256]
//     → 200 HTML <form method="post" action="<the same path and query>"> input login; button.
//       Unknown client_id, a redirect_uri not registered exactly, or a code_challenge without
//       code_challenge_method=S256 → 400 HTML. redirect_uri may be left out: the first one registered.
//  2. POST the same URL (path and query), application/x-www-form-urlencoded, login=alice
//     → 302 Location: <redirect_uri>?code=..&state=..   (any non-empty login; no password)
//  3. POST BASE/login/oauth/access_token, form-encoded client_id, client_secret, code,
//         [redirect_uri, code_verifier]; the client may instead authenticate with HTTP Basic.
//     With Accept: application/json → {"access_token":"gho_..","token_type":"bearer","scope":"read:user,user:email"}
//     otherwise form-encoded access_token=..&scope=..&token_type=bearer. Failures are 200 too, as on
//     GitHub: {"error":"incorrect_client_credentials"|"bad_verification_code"|"redirect_uri_mismatch",
//     "error_description":..,"error_uri":..}. Codes are single-use and live 10 minutes; with a
//     code_challenge at step 1, code_verifier must match it (else bad_verification_code).
//  4. GET BASE/user with Authorization: Bearer <token> (or "token <token>") and a User-Agent
//     → {"login","id","node_id","avatar_url","html_url","type":"User","name","email":null}
//     GET BASE/user/emails → [{"email":"<login>@example.test","primary":true,"verified":true,"visibility":"private"}]
//     (needs scope user:email or user, else 404 like GitHub). Bad token → 401 {"message":"Bad credentials"};
//     no User-Agent → 403, as GitHub does. Responses carry X-OAuth-Scopes.
import { createHash, randomBytes } from 'node:crypto';
import { listenLoopback, parseProviderArgs, printReady, stopOnSignalOrStdinEnd } from './lib/cli.mjs';
import { avatarUrl, displayName, emailOf, validLogin } from './lib/accounts.mjs';
import { sendAvatar } from './lib/avatar.mjs';
import { escapeHtml, page, readForm, sendHtml, sendJson } from './lib/http.mjs';

const DOCS = 'https://docs.github.com/rest';
const CODE_TTL_MS = 10 * 60 * 1000;
const args = parseProviderArgs();
const codes = new Map(); // code → { login, scope, redirectUri, challenge, expires }
const tokens = new Map(); // token → { login, scope }
let base = '';

const random = (prefix) => `${prefix}${randomBytes(20).toString('base64url')}`;
const userId = (login) => createHash('sha256').update(login).digest().readUInt32BE(0) % 100000000 + 1000;

// The authorization request, checked; an error string when it is not acceptable.
function authorizeRequest(url) {
  const q = url.searchParams;
  if (q.get('client_id') !== args.clientId) return { error: 'The client_id is not that of a registered OAuth app.' };
  const redirectUri = q.get('redirect_uri') ?? args.redirectUris[0];
  if (!args.redirectUris.includes(redirectUri)) {
    return { error: 'The redirect_uri is not associated with this application.' };
  }
  const challenge = q.get('code_challenge');
  if (challenge !== null && q.get('code_challenge_method') !== 'S256') {
    return { error: 'code_challenge_method must be S256.' };
  }
  const scope = (q.get('scope') ?? '').split(/[\s,]+/).filter(Boolean).join(',');
  return { redirectUri, challenge, scope, state: q.get('state') };
}

function authorizeForm(url, error) {
  const action = `${url.pathname}${url.search}`;
  return page('Sign in to GitHub (test stand-in)', `${error ? `<p id="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
  <p><label for="login">Username</label> <input id="login" name="login" type="text" autocomplete="username" autofocus required></p>
  <p><button type="submit">Authorize</button></p>
</form>`);
}

async function authorize(req, res, url) {
  const request = authorizeRequest(url);
  if (request.error) {
    sendHtml(res, 400, page('Application error', `<p id="error">${escapeHtml(request.error)}</p>`));
    return;
  }
  if (req.method === 'GET') {
    sendHtml(res, 200, authorizeForm(url));
    return;
  }
  const login = (await readForm(req)).get('login') ?? '';
  if (!validLogin(login)) {
    sendHtml(res, 200, authorizeForm(url, 'Enter a username.'));
    return;
  }
  const code = randomBytes(10).toString('hex');
  codes.set(code, { ...request, login, expires: Date.now() + CODE_TTL_MS });
  const target = new URL(request.redirectUri);
  target.searchParams.set('code', code);
  if (request.state !== null) target.searchParams.set('state', request.state);
  res.writeHead(302, { location: target.href, 'content-length': 0 });
  res.end();
}

function tokenError(error, description) {
  return { error, error_description: description, error_uri: `${DOCS}/apps/troubleshooting-oauth-app-access-token-request-errors#${error.replaceAll('_', '-')}` };
}

function exchange(form, authorization) {
  let clientId = form.get('client_id');
  let clientSecret = form.get('client_secret');
  const basic = /^Basic (.+)$/i.exec(authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    try {
      clientId = colon < 0 ? null : decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    } catch {
      clientId = null;
    }
  }
  if (clientId !== args.clientId || clientSecret !== args.clientSecret) {
    return tokenError('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.');
  }
  const code = form.get('code') ?? '';
  const grant = codes.get(code);
  codes.delete(code);
  const bad = tokenError('bad_verification_code', 'The code passed is incorrect or expired.');
  if (!grant || grant.expires < Date.now()) return bad;
  const redirectUri = form.get('redirect_uri');
  if (redirectUri !== null && redirectUri !== grant.redirectUri) {
    return tokenError('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.');
  }
  if (grant.challenge !== null) {
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) return bad;
  }
  const accessToken = random('gho_');
  tokens.set(accessToken, { login: grant.login, scope: grant.scope });
  return { access_token: accessToken, token_type: 'bearer', scope: grant.scope };
}

async function accessToken(req, res) {
  const result = exchange(await readForm(req), req.headers.authorization);
  if ((req.headers.accept ?? '').includes('application/json')) {
    sendJson(res, 200, result);
  } else {
    const body = new URLSearchParams(result).toString();
    res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}

function api(req, res, path) {
  if (!req.headers['user-agent']) {
    sendJson(res, 403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.', documentation_url: DOCS });
    return;
  }
  const auth = /^(?:Bearer|token) (\S+)$/i.exec(req.headers.authorization ?? '');
  const grant = auth && tokens.get(auth[1]);
  if (!grant) {
    sendJson(res, 401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
    return;
  }
  const headers = { 'x-oauth-scopes': grant.scope.split(',').join(', ') };
  const { login } = grant;
  if (path === '/user') {
    sendJson(res, 200, {
      login,
      id: userId(login),
      node_id: `U_${Buffer.from(login).toString('base64url')}`,
      avatar_url: avatarUrl(base, login),
      html_url: `${base}/${encodeURIComponent(login)}`,
      type: 'User',
      name: displayName(login),
      email: null,
    }, headers);
  } else if (grant.scope.split(',').some((s) => s === 'user' || s === 'user:email')) {
    sendJson(res, 200, [{ email: emailOf(login), primary: true, verified: true, visibility: 'private' }], headers);
  } else {
    sendJson(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' }, headers);
  }
}

async function route(req, res) {
  const url = new URL(req.url, base);
  const path = url.pathname.replace(/^\/api\/v3(?=\/)/, '');
  if (url.pathname === '/login/oauth/authorize' && (req.method === 'GET' || req.method === 'POST')) {
    await authorize(req, res, url);
  } else if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
    await accessToken(req, res);
  } else if ((path === '/user' || path === '/user/emails') && req.method === 'GET') {
    api(req, res, path);
  } else if (!(req.method === 'GET' && sendAvatar(res, url.pathname))) {
    sendJson(res, 404, { message: 'Not Found', documentation_url: DOCS });
  }
}

const server = await listenLoopback((req, res) => {
  route(req, res).catch((err) => {
    process.stderr.write(`github.mjs: ${req.method} ${req.url}: ${err.stack}\n`);
    if (!res.headersSent) sendJson(res, err.status ?? 500, { message: err.message });
    else res.destroy();
  });
}, args.port);
const { port } = server.address();
base = `http://127.0.0.1:${port}`;
stopOnSignalOrStdinEnd(server);
printReady({ base, port });
