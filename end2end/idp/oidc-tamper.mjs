// One-shot misbehaviour of the test OpenID provider's token endpoint (end2end/idp/oidc.mjs), so a
// test can prove the relying party checks ID tokens. A mode set here applies to the NEXT
// successful token response carrying an id_token ("slow": the next token request), then the
// provider is back to "normal", where responses are untouched oidc-provider output.
//
//   POST /__test/mode  {"mode":"wrong_nonce"|"wrong_audience"|"expired"|"bad_signature"|
//                       "wrong_issuer"|"slow"|"normal", "delay_ms":5000}     → 200 current state
//   GET  /__test/mode  → {"mode":"normal","delay_ms":0,"last_applied":"wrong_nonce"|null}
//
// Tampered ID tokens keep oidc-provider's header (alg RS256, kid) and claims except:
//   wrong_nonce    nonce = "tampered-<random>"          wrong_audience  aud = "someone-else"
//   expired        iat = now-2h, exp = now-1h            wrong_issuer    iss = "<issuer>/not-this-issuer"
//   bad_signature  claims unchanged, signed by another RSA key under the published kid
// and are re-signed with the provider's own key (bad_signature excepted).
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { CompactSign, decodeJwt, decodeProtectedHeader } from 'jose';
import { readBody, sendJson } from './lib/http.mjs';

export const MODES = ['normal', 'wrong_nonce', 'wrong_audience', 'expired', 'bad_signature', 'wrong_issuer', 'slow'];

export function createTamper({ issuer, signingKey, wrongKey, tokenPath = '/token' }) {
  const state = { mode: 'normal', delayMs: 0, lastApplied: null };
  const view = () => ({ mode: state.mode, delay_ms: state.delayMs, last_applied: state.lastApplied });
  const consume = () => {
    state.lastApplied = state.mode;
    state.mode = 'normal';
    state.delayMs = 0;
  };

  async function rewrite(idToken, mode) {
    const header = decodeProtectedHeader(idToken);
    const claims = decodeJwt(idToken);
    const now = Math.floor(Date.now() / 1000);
    let key = signingKey;
    switch (mode) {
      case 'wrong_nonce': claims.nonce = `tampered-${randomUUID()}`; break;
      case 'wrong_audience': claims.aud = 'someone-else'; break;
      case 'expired': claims.iat = now - 7200; claims.exp = now - 3600; break;
      case 'wrong_issuer': claims.iss = `${issuer}/not-this-issuer`; break;
      case 'bad_signature': key = wrongKey; break;
      default: throw new Error(`no rewrite for mode ${mode}`);
    }
    return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader(header)
      .sign(key);
  }

  // Koa middleware for provider.use().
  async function middleware(ctx, next) {
    const { mode } = state;
    if (mode === 'normal' || ctx.method !== 'POST' || ctx.path !== tokenPath) return next();
    if (mode === 'slow') {
      const ms = state.delayMs;
      consume();
      await delay(ms);
      return next();
    }
    await next();
    if (ctx.status !== 200 || typeof ctx.body?.id_token !== 'string' || state.mode !== mode) return;
    consume();
    ctx.body = { ...ctx.body, id_token: await rewrite(ctx.body.id_token, mode) };
  }

  // node:http handler for /__test/mode; returns false for other paths.
  async function control(req, res, url) {
    if (url.pathname !== '/__test/mode') return false;
    if (req.method === 'GET') {
      sendJson(res, 200, view());
    } else if (req.method === 'POST') {
      let body;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        sendJson(res, 400, { error: 'body must be JSON like {"mode":"expired"}' });
        return true;
      }
      const delayMs = body?.delay_ms === undefined ? 5000 : Number(body.delay_ms);
      if (!MODES.includes(body?.mode)) {
        sendJson(res, 400, { error: `mode must be one of ${MODES.join(', ')}` });
      } else if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > 600000) {
        sendJson(res, 400, { error: 'delay_ms must be a number of milliseconds from 0 to 600000' });
      } else {
        state.mode = body.mode;
        state.delayMs = body.mode === 'slow' ? delayMs : 0;
        sendJson(res, 200, view());
      }
    } else {
      res.writeHead(405, { allow: 'GET, POST' });
      res.end();
    }
    return true;
  }

  return { middleware, control };
}
