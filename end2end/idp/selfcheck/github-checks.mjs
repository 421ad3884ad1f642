// The self-check's GitHub checks: runs end2end/idp/github.mjs and drives GitHub's web flow
// (authorize form → code → access_token → /user, /user/emails) the way the documented steps say.
import { createHash, randomBytes } from 'node:crypto';
import { OidcClient } from './oidc-client.mjs';
import { check, expect } from './check.mjs';
import { startIdp } from './spawn.mjs';

const CLIENT = { clientId: 'loquat', clientSecret: 's3cret', redirectUri: 'http://127.0.0.1:9/auth/oauth/github/callback' };
const UA = { 'user-agent': 'loquat-selfcheck' };

function authorizeUrl(base, { scope = 'read:user user:email', pkce = true, redirectUri = CLIENT.redirectUri, clientId = CLIENT.clientId } = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const url = new URL('/login/oauth/authorize', base);
  url.search = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, state, scope }).toString();
  if (pkce) {
    url.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return { url: url.href, verifier, state };
}

async function signIn(base, options) {
  const req = authorizeUrl(base, options);
  const page = await fetch(req.url);
  expect(page.status === 200, `authorize page ${page.status}`);
  const form = OidcClient.parseForm(await page.text(), req.url);
  expect(form.action === req.url && form.inputs.join() === 'login' && form.hasButton, JSON.stringify(form));
  const res = await fetch(form.action, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ login: 'alice' }),
  });
  expect(res.status === 302, `login post ${res.status}`);
  const to = new URL(res.headers.get('location'));
  expect(to.href.startsWith(CLIENT.redirectUri) && to.searchParams.get('state') === req.state, to.href);
  return { code: to.searchParams.get('code'), verifier: req.verifier };
}

async function exchange(base, fields, accept = 'application/json') {
  const res = await fetch(`${base}/login/oauth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(accept ? { accept } : {}) },
    body: new URLSearchParams({ client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, redirect_uri: CLIENT.redirectUri, ...fields }),
  });
  expect(res.status === 200, `access_token status ${res.status}`);
  return accept ? res.json() : Object.fromEntries(new URLSearchParams(await res.text()));
}

export async function githubChecks() {
  const idp = startIdp('github.mjs', ['--client-id', CLIENT.clientId, '--client-secret', CLIENT.clientSecret, '--redirect-uri', CLIENT.redirectUri]);
  try {
    const { base, port } = await idp.ready;
    await check('github: ready line', () => expect(base === `http://127.0.0.1:${port}`, base));

    let token;
    await check('github: web flow with PKCE, JSON token, /user and /user/emails', async () => {
      const { code, verifier } = await signIn(base);
      const body = await exchange(base, { code, code_verifier: verifier });
      expect(body.access_token?.startsWith('gho_') && body.token_type === 'bearer' && body.scope === 'read:user,user:email', JSON.stringify(body));
      token = body.access_token;
      const user = await (await fetch(`${base}/user`, { headers: { ...UA, authorization: `Bearer ${token}` } })).json();
      expect(user.login === 'alice' && Number.isInteger(user.id) && user.name === 'Alice' && user.email === null, JSON.stringify(user));
      expect(user.avatar_url === `${base}/avatar/alice.png`, user.avatar_url);
      const emails = await (await fetch(`${base}/user/emails`, { headers: { ...UA, authorization: `token ${token}` } })).json();
      expect(emails.length === 1 && emails[0].email === 'alice@example.test' && emails[0].primary && emails[0].verified, JSON.stringify(emails));
      const again = await exchange(base, { code, code_verifier: verifier });
      expect(again.error === 'bad_verification_code', `reused code: ${JSON.stringify(again)}`);
    });

    await check('github: form-encoded token without Accept; no PKCE', async () => {
      const { code } = await signIn(base, { pkce: false });
      const body = await exchange(base, { code }, null);
      expect(body.access_token && body.token_type === 'bearer', JSON.stringify(body));
    });

    await check('github: wrong verifier, secret and code are errors with status 200', async () => {
      const { code } = await signIn(base);
      expect((await exchange(base, { code, code_verifier: 'x'.repeat(43) })).error === 'bad_verification_code', 'verifier');
      const other = await signIn(base);
      expect((await exchange(base, { code: other.code, client_secret: 'nope' })).error === 'incorrect_client_credentials', 'secret');
      expect((await exchange(base, { code: 'nope' })).error === 'bad_verification_code', 'code');
    });

    await check('github: unknown client_id and unregistered redirect_uri are 400 pages', async () => {
      expect((await fetch(authorizeUrl(base, { clientId: 'someone' }).url)).status === 400, 'client_id');
      expect((await fetch(authorizeUrl(base, { redirectUri: 'http://127.0.0.1:9/evil' }).url)).status === 400, 'redirect_uri');
    });

    await check('github: bad token 401, no User-Agent 403, no user:email scope 404', async () => {
      const bad = await fetch(`${base}/user`, { headers: { ...UA, authorization: 'Bearer nope' } });
      expect(bad.status === 401 && (await bad.json()).message === 'Bad credentials', `bad token ${bad.status}`);
      const noUa = await fetch(`${base}/user`, { headers: { authorization: `Bearer ${token}`, 'user-agent': '' } });
      expect(noUa.status === 403, `no user-agent ${noUa.status}`);
      const { code, verifier } = await signIn(base, { scope: 'read:user' });
      const narrow = (await exchange(base, { code, code_verifier: verifier })).access_token;
      const emails = await fetch(`${base}/user/emails`, { headers: { ...UA, authorization: `Bearer ${narrow}` } });
      expect(emails.status === 404, `emails without scope ${emails.status}`);
    });

    await check('github: exits 0 when its stdin closes', async () => {
      idp.child.stdin.end();
      const { code } = await idp.exited;
      expect(code === 0, `exit ${code}\n${idp.stderr()}`);
    });
  } finally {
    await idp.stop();
  }
}
