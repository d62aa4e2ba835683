import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';

/**
 * A tool with an `x-mcp-header` parameter (SEP-2243): a 2026-07-28 HTTP client repeats `region` in
 * the `Mcp-Param-Region` header, and the gateway refuses a request whose header disagrees.
 */
export const headerParam = defineTool<{ region: string; note?: string }>({
  name: 'test_header_param',
  description: 'Echoes its region, which 2026-07-28 clients also send as the Mcp-Param-Region header.',
  inputSchema: {
    type: 'object',
    properties: {
      region: { type: 'string', description: 'Where to run', 'x-mcp-header': 'Region' },
      note: { type: 'string', description: 'Free text, not routed' },
    },
    required: ['region'],
  },
  annotations: READ_ONLY,
  handler: ({ region }) => `Region: ${region}`,
});
