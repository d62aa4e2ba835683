import { META_KEYS, modernRequest, postModern } from './modern.js';

/** The capabilities of a client that opted into the tasks extension (and can be asked for input). */
export const TASK_CAPS = { elicitation: {}, extensions: { 'io.modelcontextprotocol/tasks': {} } };

type Message = Record<string, unknown>;

export interface Answer {
  status: number;
  result?: Message;
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

let nextId = 1;

/**
 * One 2026-07-28 request by raw HTTP, with the routing headers a conforming client sends
 * (Mcp-Name carries the taskId of tasks/* requests).
 */
export async function send(
  url: string,
  method: string,
  params: Message,
  options: { caps?: Message; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const body = modernRequest(nextId++, method, params, {
    [META_KEYS.clientCapabilities]: options.caps ?? TASK_CAPS,
  });
  const named: Record<string, string> =
    typeof params.taskId === 'string' ? { 'mcp-name': params.taskId } : {};
  const response = await postModern(url, body, { ...named, ...options.headers });
  return {
    status: response.status,
    result: response.json?.result as Message | undefined,
    error: response.json?.error as Answer['error'],
  };
}

/** The result of a request that must succeed. */
export async function resultOf(answer: Promise<Answer>): Promise<Message> {
  const { result, error, status } = await answer;
  if (!result) throw new Error(`expected a result, got HTTP ${status} ${JSON.stringify(error)}`);
  return result;
}

/** Polls tasks/get at `url` until the task's status is one of `statuses`; its last DetailedTask. */
export async function waitForStatus(
  url: string,
  taskId: string,
  statuses: string[],
  headers: Record<string, string> = {},
): Promise<Message> {
  for (let i = 0; i < 300; i++) {
    const task = await resultOf(send(url, 'tasks/get', { taskId }, { headers }));
    if (statuses.includes(String(task.status))) return task;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`task ${taskId} never reached ${statuses.join('|')}`);
}

/** The text of a tool result's content. */
export const textOf = (result: unknown) =>
  (((result as Message | undefined)?.content as { text: string }[] | undefined) ?? [])
    .map((c) => c.text)
    .join('');
