/**
 * Conversations made up for tests and benchmarks, in the export format the
 * server imports (`POST /api/threads/import`).
 */
import { expect, type APIRequestContext } from '@playwright/test';

/** An export of a thread with `n` messages, alternating user and assistant;
 *  replies carry some markdown (a list and a code block) like real ones,
 *  and `pad` more characters of plain text each. */
export function longThread(n: number, pad = 0): object {
  const start = Date.parse('2026-11-01T10:00:00Z');
  const steps = Array.from({ length: n }, (_, i) => {
    const user = i % 2 === 0;
    const at = start + i * 1000;
    return {
      id: `m${i}`,
      thread_id: 'bench',
      name: user ? 'User' : 'Assistant',
      type: user ? 'user_message' : 'assistant_message',
      output: user
        ? `Question ${i}: how does step ${i} work?`
        : `Answer ${i}. Here is **how** it works:\n\n- first, the *input*\n- then the output\n\n\`\`\`rust\nfn step_${i}() -> u32 { ${i} }\n\`\`\`\n` +
          (pad > 0 ? `\n${'lorem ipsum '.repeat(Math.ceil(pad / 12)).slice(0, pad)}\n` : ''),
      show_input: false,
      created_at: at,
      start: at,
      end: at,
    };
  });
  return {
    format: 'loquat.thread',
    version: 1,
    thread: { id: 'bench', name: 'Long thread', created_at: start, updated_at: start + n * 1000 },
    steps,
  };
}

/** Imports `longThread(n, pad)` and returns the new thread's id. */
export async function importLongThread(
  request: APIRequestContext,
  baseUrl: string,
  n: number,
  pad = 0,
): Promise<string> {
  const imported = await request.post(`${baseUrl}/api/threads/import`, { data: longThread(n, pad) });
  expect(imported.status()).toBe(201);
  const { thread_id: threadId } = (await imported.json()) as { thread_id: string };
  return threadId;
}
