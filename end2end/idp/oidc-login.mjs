// Login pages of the test OpenID provider (end2end/idp/oidc.mjs), replacing oidc-provider's
// devInteractions: a plain login form checked against lib/accounts.mjs, and consent granted
// without asking. handle(req, res, url) answers /interaction/... and returns false otherwise.
//
//   GET  /interaction/<uid>          login form (or, if only consent is missing, a 303 onwards)
//   POST /interaction/<uid>/login    form fields login, password → 303 to <issuer>/auth/<uid>
//                                    wrong password → 200, the form again with id="error"
//   GET  /interaction/<uid>/abort    303 onwards; the client gets error=access_denied
// Every one of them needs the _interaction and _interaction.sig cookies set by GET /auth.
import { escapeHtml, page, readForm, sendHtml } from './lib/http.mjs';
import { passwordMatches } from './lib/accounts.mjs';

const GRANTED_SCOPES = new Set(['openid', 'profile', 'email']);

function loginForm(uid, { login = '', error } = {}) {
  const action = `/interaction/${encodeURIComponent(uid)}/login`;
  return page('Sign in to the test provider', `${error ? `<p id="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
  <p><label for="login">Login</label> <input id="login" name="login" type="text" autocomplete="username" value="${escapeHtml(login)}" autofocus required></p>
  <p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
  <p><button type="submit">Sign in</button></p>
</form>
<p><a href="/interaction/${escapeHtml(encodeURIComponent(uid))}/abort">Cancel</a></p>`);
}

// A grant holding every requested scope we offer (and any claims the consent prompt names), so
// the consent prompt is satisfied without a page.
async function grantFor(provider, details, accountId) {
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing?.accountId === accountId
    ? existing
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  const requested = String(details.params.scope ?? '').split(' ').filter((s) => GRANTED_SCOPES.has(s));
  grant.addOIDCScope(requested.join(' '));
  const missingClaims = details.prompt.details?.missingOIDCClaims;
  if (missingClaims) grant.addOIDCClaims(missingClaims);
  return grant.save();
}

export function createLogin(provider) {
  return async function handle(req, res, url) {
    const match = /^\/interaction\/([^/]+)(\/login|\/abort)?$/.exec(url.pathname);
    if (!match) return false;
    const uid = decodeURIComponent(match[1]);
    const action = match[2] ?? '';

    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (err) {
      sendHtml(res, 400, page('Login session not found', `<p>${escapeHtml(err.message)}</p>`));
      return true;
    }
    if (details.uid !== uid) {
      sendHtml(res, 400, page('Login session mismatch', '<p>this page belongs to another login attempt</p>'));
      return true;
    }

    if (action === '/abort' && req.method === 'GET') {
      const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    } else if (action === '' && req.method === 'GET') {
      if (details.prompt.name === 'login') {
        sendHtml(res, 200, loginForm(uid));
      } else {
        const grantId = await grantFor(provider, details, details.session.accountId);
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      }
    } else if (action === '/login' && req.method === 'POST') {
      const form = await readForm(req);
      const login = form.get('login') ?? '';
      if (details.prompt.name !== 'login') {
        sendHtml(res, 400, page('Not a login step', '<p>this login attempt does not ask for a login</p>'));
      } else if (!passwordMatches(login, form.get('password'))) {
        sendHtml(res, 200, loginForm(uid, { login, error: 'Invalid login or password.' }));
      } else {
        const grantId = await grantFor(provider, details, login);
        await provider.interactionFinished(req, res, {
          login: { accountId: login },
          consent: { grantId },
        }, { mergeWithLastSubmission: false });
      }
    } else {
      res.writeHead(405, { allow: action === '/login' ? 'POST' : 'GET' });
      res.end();
    }
    return true;
  };
}
