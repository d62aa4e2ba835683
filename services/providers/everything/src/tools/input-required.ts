import { defineTool, type HandlerContext, type JsonObject, withInputKey } from '@mcp-fleet/sdk';
import { NO_ARGUMENTS } from '../schemas.js';

/**
 * The conformance suite's multi-round-trip fixtures (SEP-2322). They ask through the ordinary
 * ctx.elicit/sample/request: a 2026-07-28 client gets input_required results and retries, a
 * 2025 session gets server→client requests. Keys are the ones the scenarios answer.
 */

type ElicitParams = Parameters<HandlerContext['elicit']>[0];
type SampleParams = Parameters<HandlerContext['sample']>[0];

/** Asks for one string field of a form, named `key` in input_required results. */
export async function askField(ctx: HandlerContext, key: string, message: string, field: string) {
  const answer = await ctx.elicit(
    withInputKey(key, {
      message,
      requestedSchema: { type: 'object', properties: { [field]: { type: 'string' } }, required: [field] },
    } as ElicitParams),
  );
  return answer.action === 'accept' ? String(answer.content?.[field] ?? '') : `(${answer.action})`;
}

async function askModel(ctx: HandlerContext, key: string, text: string, maxTokens: number) {
  const answer = await ctx.sample(
    withInputKey<SampleParams>(key, {
      messages: [{ role: 'user', content: { type: 'text', text } }],
      maxTokens,
    }),
  );
  return answer.content && 'text' in answer.content ? answer.content.text : JSON.stringify(answer.content);
}

async function askRoots(ctx: HandlerContext, key: string) {
  const answer = await ctx.request('roots/list', withInputKey(key, {}));
  return Array.isArray(answer.roots) ? (answer.roots as JsonObject[]) : [];
}

async function confirm(ctx: HandlerContext) {
  const answer = await ctx.elicit(
    withInputKey('confirm', {
      message: 'Please confirm',
      requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
    } as ElicitParams),
  );
  return answer.action === 'accept';
}

export const inputElicitation = defineTool({
  name: 'test_input_required_result_elicitation',
  description: 'Asks the user for their name (key user_name), then greets them.',
  inputSchema: NO_ARGUMENTS,
  async handler(_args, ctx) {
    return `Hello, ${await askField(ctx, 'user_name', 'What is your name?', 'name')}!`;
  },
});

export const inputSampling = defineTool({
  name: 'test_input_required_result_sampling',
  description: "Asks the client's model a question (key capital_question).",
  inputSchema: NO_ARGUMENTS,
  async handler(_args, ctx) {
    return `Sampling result: ${await askModel(ctx, 'capital_question', 'What is the capital of France?', 100)}`;
  },
});

export const inputListRoots = defineTool({
  name: 'test_input_required_result_list_roots',
  description: 'Asks the client for its roots (key client_roots) and counts them.',
  inputSchema: NO_ARGUMENTS,
  async handler(_args, ctx) {
    const roots = await askRoots(ctx, 'client_roots');
    return `Found ${roots.length} root(s): ${roots.map((root) => String(root.uri)).join(', ')}`;
  },
});

export const inputRequestState = defineTool({
  name: 'test_input_required_result_request_state',
  description: 'Asks for a confirmation (key confirm); its input_required carries a requestState.',
  inputSchema: NO_ARGUMENTS,
  async handler(_args, ctx) {
    return (await confirm(ctx)) ? 'state-ok: requestState validated' : 'state-ok: not confirmed';
  },
});

export const inputMultiple = defineTool({
  name: 'test_input_required_result_multiple_inputs',
  description: 'Asks for a name, a greeting and the roots at once (keys user_name, greeting, client_roots).',
  inputSchema: NO_ARGUMENTS,
  async handler(_args, ctx) {
    const [name, greeting, roots] = await Promise.all([
      askField(ctx, 'user_name', 'What is your name?', 'name'),
      askModel(ctx, 'greeting', 'Generate a greeting', 50),
      askRoots(ctx, 'client_roots'),
    ]);
    return `Name: ${name}; Greeting: ${greeting}; Roots: ${roots.length}`;
  },
});

export const inputMultiRound = defineTool({
  name: 'test_input_required_result_multi_round',
  description: 'Asks for a name (key step1), then for a favourite colour (key step2).',
  inputSchema: NO_ARGUMENTS,
  async handler(_args, ctx) {
    const name = await askField(ctx, 'step1', 'Step 1: What is your name?', 'name');
    const color = await askField(ctx, 'step2', 'Step 2: What is your favorite color?', 'color');
    return `Multi-round complete for ${name} who likes ${color}`;
  },
});

export const inputTamperedState = defineTool({
  name: 'test_input_required_result_tampered_state',
  description: 'Asks for a confirmation (key confirm) under a signed requestState.',
  inputSchema: NO_ARGUMENTS,
  async handler(_args, ctx) {
    return (await confirm(ctx)) ? 'integrity-ok: state verified' : 'integrity-ok: not confirmed';
  },
});

export const inputCapabilities = defineTool({
  name: 'test_input_required_result_capabilities',
  description: 'Asks only for what the client declared: elicitation (elicit_input), sampling (sample_input).',
  inputSchema: NO_ARGUMENTS,
  async handler(_args, ctx) {
    const asks: Promise<string>[] = [];
    if (ctx.clientCapabilities.elicitation)
      asks.push(askField(ctx, 'elicit_input', 'Elicitation input', 'value'));
    if (ctx.clientCapabilities.sampling) asks.push(askModel(ctx, 'sample_input', 'Sample request', 50));
    if (asks.length === 0) return 'No supported capabilities declared';
    return `capabilities-ok: received ${(await Promise.all(asks)).join(', ')}`;
  },
});

export const streamingElicitation = defineTool({
  name: 'test_streaming_elicitation',
  description: 'Reports progress, then asks for confirmation: never a request on a 2026-07-28 stream.',
  inputSchema: NO_ARGUMENTS,
  async handler(_args, ctx) {
    ctx.progress(50, 100, 'halfway');
    return (await confirm(ctx)) ? 'Streaming complete' : 'Streaming declined';
  },
});
