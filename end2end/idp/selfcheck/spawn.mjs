// Starts one of the end2end/idp/ servers for the self-check and reads its ready line within a
// deadline: const idp = await startIdp('oidc.mjs', ['--client-id', ...]); idp.ready; await idp.stop().
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const IDP_DIR = fileURLToPath(new URL('..', import.meta.url));

export function startIdp(script, args, deadlineMs = 20000) {
  const child = spawn(process.execPath, [`${IDP_DIR}${script}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script}: no ready line within ${deadlineMs} ms\n${stderr}`)), deadlineMs);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try { resolve(JSON.parse(out.slice(0, nl))); } catch (err) { reject(err); }
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before it was ready\n${stderr}`));
    });
  });
  return {
    child,
    exited,
    stderr: () => stderr,
    ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
