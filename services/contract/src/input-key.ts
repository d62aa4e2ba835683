/**
 * The `_meta` key a provider may put on what it asks its client (the params of ctx.elicit,
 * ctx.sample, ctx.request) to choose the key of that ask in a 2026-07-28 input_required result
 * (`inputRequests.<key>`, answered as `inputResponses.<key>`). The gateway removes it before the
 * client sees the ask; without it the gateway names asks after their kind.
 */
export const INPUT_KEY_META = 'io.mcp-fleet/inputKey';

/** `params` with its ask named `key` in input_required results (other `_meta` entries kept). */
export function withInputKey<P extends object>(key: string, params: P): P {
  const meta = (params as { _meta?: object })._meta;
  return { ...params, _meta: { ...meta, [INPUT_KEY_META]: key } };
}
