// The test accounts shared by end2end/idp/oidc.mjs and end2end/idp/github.mjs: every non-empty
// login exists; for the OpenID provider its password is PASSWORD ("wonderland").
export const PASSWORD = 'wonderland';

export function validLogin(login) {
  return typeof login === 'string' && login.trim() !== '' && login.length <= 200;
}

export function passwordMatches(login, password) {
  return validLogin(login) && password === PASSWORD;
}

export function displayName(login) {
  return login.charAt(0).toUpperCase() + login.slice(1);
}

export function emailOf(login) {
  return `${login}@example.test`;
}

export function avatarUrl(base, login) {
  return `${base}/avatar/${encodeURIComponent(login)}.png`;
}

// OpenID Connect standard claims for a login; base is the provider's own http://127.0.0.1:PORT.
export function oidcClaims(base, login) {
  return {
    sub: login,
    email: emailOf(login),
    email_verified: true,
    name: displayName(login),
    picture: avatarUrl(base, login),
  };
}
