/**
 * A stand-in for an OpenAI-compatible API, which this machine cannot reach:
 * a real HTTP server on 127.0.0.1 that speaks the streaming chat-completions
 * protocol (`POST /v1/chat/completions` with `stream: true` answered by
 * server-sent `chat.completion.chunk` events and `data: [DONE]`).
 *
 *   const llm = await OpenAiMock.start();
 *   // LOQUAT_LLM_BASE_URL=llm.baseUrl, LOQUAT_LLM_MODEL=llm.model
 *   llm.requests   // what the app sent, in order
 *   await llm.close();
 *
 * Its answer repeats the last user message and counts the messages it was
 * given, so a test sees both the reply and the conversation the app sent.
 */
import * as http from 'node:http';

export interface ChatRequest {
  model: string;
  stream: boolean;
  messages: { role: string; content: string }[];
}

export class OpenAiMock {
  readonly model = 'mock-model';
  readonly requests: ChatRequest[] = [];
  private constructor(private readonly server: http.Server, readonly baseUrl: string) {}

  static async start(): Promise<OpenAiMock> {
    let mock: OpenAiMock | null = null;
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => mock?.answer(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    mock = new OpenAiMock(server, `http://127.0.0.1:${port}/v1`);
    return mock;
  }

  /** The words the mock streams for a conversation. */
  static replyTo(messages: ChatRequest['messages']): string {
    const last = [...messages].reverse().find((m) => m.role === 'user');
    return `You said "${last?.content ?? ''}". I see ${messages.length} messages.`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    let request: ChatRequest;
    try {
      request = JSON.parse(body) as ChatRequest;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'body is not JSON' } }));
      return;
    }
    this.requests.push(request);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({
        id: 'chatcmpl-mock',
        object: 'chat.completion.chunk',
        created: 1,
        model: request.model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    for (const word of OpenAiMock.replyTo(request.messages).split(/(?<= )/)) {
      res.write(chunk({ content: word }, null));
    }
    res.write(chunk({}, 'stop'));
    res.end('data: [DONE]\n\n');
  }
}
