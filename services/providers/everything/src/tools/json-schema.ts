import { defineTool, READ_ONLY } from '@mcp-fleet/sdk';

/** The schema of the conformance suite's json-schema-2020-12 scenario (SEP-1613 and SEP-2106 keywords). */
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
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else (an object, never a thenable)
    then: { required: ['phone'] },
    else: { required: ['email'] },
    additionalProperties: false,
  },
  annotations: READ_ONLY,
  handler: (args) => `Received: ${JSON.stringify(args)}`,
});
