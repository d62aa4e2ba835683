export { traceFields } from '@mcp-fleet/runtime';
