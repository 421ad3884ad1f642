/**
 * How the tests launch Chromium (Debian's, no browser download): the
 * project's config uses this, and a spec that needs more flags (a fake
 * microphone) adds to it.
 */
export const CHROMIUM_PATH = process.env.LOQUAT_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
