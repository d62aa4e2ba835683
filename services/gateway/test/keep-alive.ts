import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { MCP_HEADERS } from './support.js';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** True when the request went on a connection an earlier request had opened. */
  reused: boolean;
}

/** One HTTP request through `agent`, so the test decides which connection carries it. */
export function send(
  agent: Agent,
  url: string,
  method: string,
  body?: unknown,
  headers = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method, headers: { ...MCP_HEADERS, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, reused: req.reusedSocket }),
      );
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A request on a connection of its own, opened now. */
export const sendOnNewConnection = (url: string, method: string) =>
  send(new Agent({ keepAlive: false }), url, method);

/** `count` kept-alive connections to `base`, open and idle when this resolves. */
export async function openConnections(base: string, count: number): Promise<Agent> {
  const agent = new Agent({ keepAlive: true, maxSockets: count });
  await Promise.all(Array.from({ length: count }, () => send(agent, `${base}/healthz`, 'GET')));
  return agent;
}
