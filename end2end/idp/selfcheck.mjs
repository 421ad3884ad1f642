// Self-check of the test identity providers in end2end/idp/: starts oidc.mjs and github.mjs on
// loopback and drives both flows end to end with plain fetch (see selfcheck/*.mjs), including
// every tamper mode of the OpenID provider. Run: node end2end/idp/selfcheck.mjs
// Prints one line per check and "selfcheck: N passed, N failed"; exits 1 on any failure.
import { summary } from './selfcheck/check.mjs';
import { githubChecks } from './selfcheck/github-checks.mjs';
import { oidcChecks } from './selfcheck/oidc-checks.mjs';

let crashed = false;
for (const checks of [oidcChecks, githubChecks]) {
  try {
    await checks();
  } catch (err) {
    crashed = true;
    console.log(`FAIL ${checks.name} could not run: ${err.stack}`);
  }
}
const { failed } = summary();
process.exit(failed > 0 || crashed ? 1 : 0);
