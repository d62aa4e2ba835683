import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';

/**
 * Conformance's JSON Schema 2020-12 probe: its input schema must reach the client with every
 * keyword intact ($schema, $defs with an $anchor, $ref, additionalProperties, composition and
 * conditional keywords; SEP-2106), as the suite's own fixture has them.
 */
export const jsonSchema202012 = defineTool({
  name: 'json_schema_2020_12_tool',
  description: 'Tool with JSON Schema 2020-12 features',
  inputSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    $defs: {
      address: {
        $anchor: 'addressDef',
        type: 'object',
        properties: { street: { type: 'string' }, city: { type: 'string' } },
      },
    },
    properties: {
      name: { type: 'string' },
      address: { $ref: '#/$defs/address' },
      contactMethod: { type: 'string', enum: ['phone', 'email'] },
      phone: { type: 'string' },
      email: { type: 'string' },
    },
    allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
    if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's conditional keyword; the schema is never awaited
    then: { required: ['phone'] },
    else: { required: ['email'] },
    additionalProperties: false,
  },
  annotations: READ_ONLY,
  handler: (args) => `Received: ${JSON.stringify(args)}`,
});
