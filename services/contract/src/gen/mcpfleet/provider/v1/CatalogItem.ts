// Original file: proto/mcpfleet/provider/v1/provider.proto

/**
 * One catalog entry: `key` is the tool or prompt name, the resource URI or the URI template;
 * `definition_json` is the MCP object as the provider would list it (Tool, Resource,
 * ResourceTemplate or Prompt).
 */
export interface CatalogItem {
  key?: string;
  definitionJson?: Buffer | Uint8Array | string;
}

/**
 * One catalog entry: `key` is the tool or prompt name, the resource URI or the URI template;
 * `definition_json` is the MCP object as the provider would list it (Tool, Resource,
 * ResourceTemplate or Prompt).
 */
export interface CatalogItem__Output {
  key: string;
  definitionJson: Buffer;
}
