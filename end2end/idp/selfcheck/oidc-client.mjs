// The self-check's scripted OpenID Connect client for end2end/idp/oidc.mjs: plain fetch, manual
// redirects, one CookieJar. Same steps as documented in oidc.mjs's header:
//   const rp = new OidcClient({ issuer, clientId, clientSecret, redirectUri });
//   await rp.discover(); const { code, nonce, verifier } = await rp.login({ login, password });
//   const tokens = await rp.redeem(code, verifier); await rp.verify(tokens.id_token, nonce);
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { CookieJar } from './cookie-jar.mjs';
import { expect } from './check.mjs';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

export class OidcClient {
  constructor({ issuer, clientId, clientSecret, redirectUri }) {
    Object.assign(this, { issuer, clientId, clientSecret, redirectUri });
    this.jar = new CookieJar();
  }

  async discover() {
    const res = await fetch(`${this.issuer}/.well-known/openid-configuration`);
    expect(res.status === 200, `discovery status ${res.status}`);
    this.meta = await res.json();
    this.jwks = createRemoteJWKSet(new URL(this.meta.jwks_uri));
    return this.meta;
  }

  async get(url, init = {}) {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: this.jar.header(url) } });
    this.jar.store(url, res);
    return res;
  }

  async postForm(url, fields) {
    return this.get(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  authorizeUrl({ prompt, pkce = true, extra = {} } = {}) {
    const verifier = b64url(randomBytes(32));
    const state = b64url(randomBytes(12));
    const nonce = b64url(randomBytes(12));
    const url = new URL(this.meta.authorization_endpoint);
    const params = {
      response_type: 'code', client_id: this.clientId, redirect_uri: this.redirectUri,
      scope: 'openid profile email', state, nonce, ...extra,
    };
    if (pkce) {
      params.code_challenge = b64url(createHash('sha256').update(verifier).digest());
      params.code_challenge_method = 'S256';
    }
    if (prompt) params.prompt = prompt;
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return { url: url.href, verifier, state, nonce };
  }

  // Follows Location headers (GETs) until one points at the redirect_uri; returns its URL, or
  // the response of the first non-redirect page.
  async follow(res, from) {
    let current = res;
    let base = from;
    for (let hops = 0; hops < 10; hops += 1) {
      if (current.status < 300 || current.status > 399) return { page: current, url: base };
      const next = new URL(current.headers.get('location'), base).href;
      if (next.startsWith(this.redirectUri)) return { callback: new URL(next) };
      base = next;
      current = await this.get(next);
    }
    throw new Error('too many redirects');
  }

  // The login form on an interaction page: its action URL and input names.
  static parseForm(html, base) {
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
    expect(form, 'no form on the page');
    const unescaped = form[1].replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
    const action = new URL(unescaped, base).href;
    const inputs = [...form[2].matchAll(/<input[^>]*name="([^"]+)"/g)].map((m) => m[1]);
    return { action, inputs, hasButton: /<button[^>]*type="submit"/.test(form[2]) };
  }

  // The whole front channel. Returns { code, state, error, iss, nonce, verifier, sentState,
  // sawLoginForm, switchedAccount }.
  async login({ login = 'alice', password = 'wonderland', prompt, wrongPasswordFirst = false } = {}) {
    const req = this.authorizeUrl({ prompt });
    let step = await this.follow(await this.get(req.url), req.url);
    let sawLoginForm = false;
    let switchedAccount = false;
    if (step.page) {
      const html = await step.page.text();
      expect(step.page.status === 200, `interaction page status ${step.page.status}: ${html}`);
      const form = OidcClient.parseForm(html, step.url);
      expect(form.inputs.includes('login') && form.inputs.includes('password') && form.hasButton, `form fields ${form.inputs}`);
      sawLoginForm = true;
      if (wrongPasswordFirst) {
        const again = await this.postForm(form.action, { login, password: 'not-the-password' });
        const html = await again.text();
        expect(again.status === 200 && html.includes('id="error"') && html.includes('name="password"'), 'wrong password did not re-show the form');
      }
      const posted = await this.postForm(form.action, { login, password });
      step = await this.follow(posted, form.action);
    }
    if (!step.callback && step.page.status === 200) {
      // Logging in as another account than the jar's live session: oidc-provider first ends that
      // session through a self-submitting form (POST /session/end/confirm with xsrf, logout=yes).
      const html = await step.page.text();
      const auto = /<form method="post" action="([^"]+\/session\/end\/confirm)">/.exec(html);
      if (!auto) throw new Error(`flow ended on a page (200): ${html}`);
      const hidden = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      step = await this.follow(await this.postForm(auto[1], hidden), auto[1]);
      switchedAccount = true;
    }
    if (!step.callback) throw new Error(`flow ended on a page (${step.page.status}): ${await step.page.text()}`);
    const q = step.callback.searchParams;
    return { code: q.get('code'), state: q.get('state'), error: q.get('error'), iss: q.get('iss'), nonce: req.nonce, verifier: req.verifier, sentState: req.state, sawLoginForm, switchedAccount };
  }

  async redeem(code, verifier, { auth = 'basic', secret = this.clientSecret } = {}) {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: this.redirectUri });
    if (verifier !== undefined) body.set('code_verifier', verifier);
    const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (auth === 'basic') {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(this.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    } else {
      body.set('client_id', this.clientId);
      body.set('client_secret', secret);
    }
    const res = await fetch(this.meta.token_endpoint, { method: 'POST', headers, body });
    return { status: res.status, body: await res.json() };
  }

  // Signature against the JWKS, iss, aud, exp (jose), then nonce. Throws on any failure.
  async verify(idToken, nonce) {
    const { payload } = await jwtVerify(idToken, this.jwks, {
      issuer: this.issuer, audience: this.clientId, algorithms: ['RS256'],
    });
    if (payload.nonce !== nonce) {
      throw Object.assign(new Error('nonce mismatch'), { code: 'NONCE_MISMATCH' });
    }
    return payload;
  }
}
