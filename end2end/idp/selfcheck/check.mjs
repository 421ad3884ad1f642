// Tiny assertion and tally helpers for end2end/idp/selfcheck.mjs: check(name, fn) runs one named
// check, records pass/fail and prints it; expect(cond, msg) throws; summary() prints the totals.
const results = { passed: 0, failed: 0 };

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

export async function check(name, fn) {
  try {
    await fn();
    results.passed += 1;
    console.log(`ok   ${name}`);
  } catch (err) {
    results.failed += 1;
    console.log(`FAIL ${name}\n     ${String(err.stack ?? err).split('\n').slice(0, 30).join('\n     ')}`);
  }
}

export function summary() {
  console.log(`selfcheck: ${results.passed} passed, ${results.failed} failed`);
  return results;
}
