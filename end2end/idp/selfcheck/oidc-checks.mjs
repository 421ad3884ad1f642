// The self-check's OpenID provider checks: runs end2end/idp/oidc.mjs and drives it with
// OidcClient through the code flow, PKCE, both client authentications, session reuse,
// prompt=login, userinfo, the avatar, and every /__test/mode tamper mode.
import { OidcClient } from './oidc-client.mjs';
import { check, expect } from './check.mjs';
import { startIdp } from './spawn.mjs';

const CLIENT = { clientId: 'loquat', clientSecret: 's3cret', redirectUri: 'http://127.0.0.1:9/auth/oauth/oidc/callback' };

async function setMode(control, mode, delayMs) {
  const res = await fetch(`${control}/mode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode, delay_ms: delayMs }),
  });
  expect(res.status === 200, `set mode ${mode}: ${res.status}`);
}

async function failureOf(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return null;
}

export async function oidcChecks() {
  const idp = startIdp('oidc.mjs', [
    '--client-id', CLIENT.clientId, '--client-secret', CLIENT.clientSecret,
    '--redirect-uri', CLIENT.redirectUri, '--redirect-uri', 'http://127.0.0.1:9/other',
  ]);
  try {
    const ready = await idp.ready;
    const rp = new OidcClient({ issuer: ready.issuer, ...CLIENT });

    await check('oidc: ready line', () => {
      expect(Object.keys(ready).join() === 'issuer,port,control', JSON.stringify(ready));
      expect(ready.issuer === `http://127.0.0.1:${ready.port}` && ready.control === `${ready.issuer}/__test`, JSON.stringify(ready));
    });

    await check('oidc: discovery', async () => {
      const meta = await rp.discover();
      expect(meta.issuer === ready.issuer, `issuer ${meta.issuer}`);
      expect(meta.code_challenge_methods_supported.join() === 'S256', 'S256 only');
      expect(meta.response_types_supported.join() === 'code', 'code only');
      expect(['client_secret_basic', 'client_secret_post'].every((m) => meta.token_endpoint_auth_methods_supported.includes(m)), 'auth methods');
      expect(['openid', 'profile', 'email'].every((s) => meta.scopes_supported.includes(s)), 'scopes');
      expect(meta.id_token_signing_alg_values_supported.includes('RS256'), 'RS256');
    });

    let first;
    await check('oidc: code flow with PKCE, wrong password re-shows the form, client_secret_basic', async () => {
      first = await rp.login({ wrongPasswordFirst: true });
      expect(first.sawLoginForm && first.code && first.state === first.sentState, JSON.stringify(first));
      expect(first.iss === ready.issuer, `iss parameter ${first.iss}`);
      const { status, body } = await rp.redeem(first.code, first.verifier, { auth: 'basic' });
      expect(status === 200 && body.id_token && body.access_token, JSON.stringify(body));
      const claims = await rp.verify(body.id_token, first.nonce);
      expect(claims.sub === 'alice' && claims.email === 'alice@example.test' && claims.email_verified === true, JSON.stringify(claims));
      expect(claims.name === 'Alice' && claims.picture === `${ready.issuer}/avatar/alice.png`, JSON.stringify(claims));
      const me = await fetch(rp.meta.userinfo_endpoint, { headers: { authorization: `Bearer ${body.access_token}` } });
      const info = await me.json();
      expect(me.status === 200 && info.email === 'alice@example.test' && info.name === 'Alice', JSON.stringify(info));
      const png = await fetch(claims.picture);
      expect(png.status === 200 && png.headers.get('content-type') === 'image/png', `avatar ${png.status}`);
      console.log(`     cookies seen: ${rp.jar.names().join(', ')}`);
    });

    await check('oidc: a code is single-use', async () => {
      const { status, body } = await rp.redeem(first.code, first.verifier);
      expect(status === 400 && body.error === 'invalid_grant', JSON.stringify(body));
    });

    await check('oidc: last-authorize has the query of the last /auth', async () => {
      const last = await (await fetch(`${ready.control}/last-authorize`)).json();
      expect(last.code_challenge_method === 'S256' && last.nonce === first.nonce && last.state === first.sentState, JSON.stringify(last));
      expect(last.prompt === undefined, 'no prompt was sent');
    });

    await check('oidc: live session skips the form; client_secret_post', async () => {
      const again = await rp.login();
      expect(!again.sawLoginForm && again.code, JSON.stringify(again));
      const { status, body } = await rp.redeem(again.code, again.verifier, { auth: 'post' });
      expect(status === 200, JSON.stringify(body));
      await rp.verify(body.id_token, again.nonce);
    });

    await check('oidc: prompt=login shows the form again, and is recorded', async () => {
      const again = await rp.login({ prompt: 'login' });
      expect(again.sawLoginForm && !again.switchedAccount && again.code, JSON.stringify(again));
      const last = await (await fetch(`${ready.control}/last-authorize`)).json();
      expect(last.prompt === 'login', JSON.stringify(last));
      const { body } = await rp.redeem(again.code, again.verifier);
      expect((await rp.verify(body.id_token, again.nonce)).sub === 'alice', 'sub alice');
    });

    await check('oidc: another account in the same jar goes through /session/end/confirm', async () => {
      const bob = await rp.login({ prompt: 'login', login: 'bob' });
      expect(bob.sawLoginForm && bob.switchedAccount && bob.code, JSON.stringify(bob));
      const { body } = await rp.redeem(bob.code, bob.verifier);
      expect((await rp.verify(body.id_token, bob.nonce)).sub === 'bob', 'sub bob');
      const fresh = new OidcClient({ issuer: ready.issuer, ...CLIENT });
      await fresh.discover();
      const carol = await fresh.login({ login: 'carol' });
      expect(carol.sawLoginForm && !carol.switchedAccount && carol.code, JSON.stringify(carol));
    });

    await check('oidc: PKCE is required at /auth and checked at /token', async () => {
      const req = rp.authorizeUrl({ pkce: false });
      const res = await rp.get(req.url);
      const to = new URL(res.headers.get('location'), req.url);
      expect(to.href.startsWith(CLIENT.redirectUri) && to.searchParams.get('error') === 'invalid_request', to.href);
      const flow = await rp.login();
      const wrong = await rp.redeem(flow.code, 'x'.repeat(43));
      expect(wrong.status === 400 && wrong.body.error === 'invalid_grant', JSON.stringify(wrong.body));
    });

    await check('oidc: Cancel on the login form ends at the redirect_uri with access_denied', async () => {
      const req = rp.authorizeUrl({ prompt: 'login' });
      const { page, url } = await rp.follow(await rp.get(req.url), req.url);
      expect(page?.status === 200, 'login form');
      const { callback } = await rp.follow(await rp.get(`${url}/abort`), `${url}/abort`);
      expect(callback?.searchParams.get('error') === 'access_denied' && callback.searchParams.get('state') === req.state, String(callback));
    });

    await check('oidc: wrong client secret is invalid_client', async () => {
      const flow = await rp.login();
      const res = await rp.redeem(flow.code, flow.verifier, { secret: 'nope' });
      expect(res.status === 401 && res.body.error === 'invalid_client', JSON.stringify(res.body));
    });

    const tampers = {
      wrong_nonce: (err) => err?.code === 'NONCE_MISMATCH',
      wrong_audience: (err) => err?.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && err.claim === 'aud',
      expired: (err) => err?.code === 'ERR_JWT_EXPIRED',
      bad_signature: (err) => err?.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      wrong_issuer: (err) => err?.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && err.claim === 'iss',
    };
    for (const [mode, isExpected] of Object.entries(tampers)) {
      await check(`oidc: mode ${mode} fails its check once, then tokens are normal`, async () => {
        await setMode(ready.control, mode);
        const state = await (await fetch(`${ready.control}/mode`)).json();
        expect(state.mode === mode, JSON.stringify(state));
        const flow = await rp.login();
        const { body } = await rp.redeem(flow.code, flow.verifier);
        const err = await failureOf(rp.verify(body.id_token, flow.nonce));
        expect(isExpected(err), `got ${err?.code} ${err?.claim ?? ''} ${err?.message}`);
        const after = await (await fetch(`${ready.control}/mode`)).json();
        expect(after.mode === 'normal' && after.last_applied === mode, JSON.stringify(after));
        const next = await rp.login();
        const normal = await rp.redeem(next.code, next.verifier);
        await rp.verify(normal.body.id_token, next.nonce);
      });
    }

    await check('oidc: mode slow delays the next token response only', async () => {
      await setMode(ready.control, 'slow', 1500);
      const flow = await rp.login();
      const t0 = Date.now();
      const { body } = await rp.redeem(flow.code, flow.verifier);
      const slow = Date.now() - t0;
      await rp.verify(body.id_token, flow.nonce);
      const next = await rp.login();
      const t1 = Date.now();
      await rp.redeem(next.code, next.verifier);
      const fast = Date.now() - t1;
      expect(slow >= 1500 && fast < 1000, `slow ${slow} ms, then ${fast} ms`);
    });

    await check('oidc: bad mode is rejected', async () => {
      const res = await fetch(`${ready.control}/mode`, { method: 'POST', body: '{"mode":"chaos"}' });
      expect(res.status === 400, `status ${res.status}`);
    });

    await check('oidc: exits 0 on SIGTERM', async () => {
      const { code } = await idp.stop();
      expect(code === 0, `exit ${code}\n${idp.stderr()}`);
    });
  } finally {
    await idp.stop();
  }
}
