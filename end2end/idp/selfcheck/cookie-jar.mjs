// A minimal cookie jar for the self-check's scripted HTTP client (one origin, plain http):
// jar.store(url, response) keeps Set-Cookie values (name + path), jar.header(url) gives the
// Cookie header for a request, honouring Path and deleting on Max-Age<=0 or a past Expires.
export class CookieJar {
  #cookies = new Map(); // `${path}\n${name}` → { name, value, path }

  store(url, response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = new URL(url).pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = false;
      for (const attr of attrs) {
        const [key, val = ''] = attr.split('=');
        const k = key.toLowerCase();
        if (k === 'path') path = val;
        if (k === 'max-age' && Number(val) <= 0) expired = true;
        if (k === 'expires' && Date.parse(val) <= Date.now()) expired = true;
      }
      const key = `${path}\n${name}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, path });
    }
  }

  header(url) {
    const { pathname } = new URL(url);
    const matches = (path) => pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`);
    return [...this.#cookies.values()]
      .filter((c) => matches(c.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  names() {
    return [...this.#cookies.values()].map((c) => `${c.name} (Path=${c.path})`);
  }
}
