/** call.ts ties its log lines to traces with this; the logger itself is @mcp-fleet/runtime's. */
export { traceFields } from '@mcp-fleet/runtime';
