import { META_KEYS, modernRequest, postModern } from './modern.js';

/** What MRTR tests declare unless they say otherwise: every kind of input. */
export const ALL_INPUTS = { elicitation: {}, sampling: {}, roots: {} };

/** Answers of each kind, as a client fulfils them. */
export const answers = {
  name: (name: string) => ({ action: 'accept', content: { name } }),
  sample: (text: string) => ({
    role: 'assistant',
    content: { type: 'text', text },
    model: 'm',
    stopReason: 'endTurn',
  }),
  roots: () => ({ roots: [{ uri: 'file:///test/root', name: 'Test Root' }] }),
};

export interface InputRequired {
  resultType: string;
  inputRequests: Record<string, { method: string; params: Record<string, unknown> }>;
  requestState: string;
}

/** One 2026 request of `method` (tools/call by default) and what it answered. */
export async function ask(
  url: string,
  params: Record<string, unknown>,
  options: { method?: string; caps?: Record<string, unknown>; headers?: Record<string, string> } = {},
) {
  const body = modernRequest(Date.now(), options.method ?? 'tools/call', params, {
    [META_KEYS.clientCapabilities]: options.caps ?? ALL_INPUTS,
  });
  const response = await postModern(url, body, options.headers);
  return {
    status: response.status,
    result: response.json?.result as Record<string, unknown> | undefined,
    error: response.json?.error as
      | { code: number; message: string; data?: Record<string, unknown> }
      | undefined,
  };
}

/** A tools/call of a fixture without arguments (plus MRTR fields). */
export const tool = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  arguments: {},
  ...extra,
});

/** The text of a complete tool result. */
export const textOf = (result: Record<string, unknown> | undefined) =>
  ((result?.content as { text: string }[] | undefined) ?? []).map((c) => c.text).join('');
