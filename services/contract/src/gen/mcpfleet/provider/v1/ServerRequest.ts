// Original file: proto/mcpfleet/provider/v1/provider.proto

/**
 * A request the provider makes of the MCP client: sampling/createMessage, elicitation/create,
 * roots/list. Ids are unique within one call.
 */
export interface ServerRequest {
  id?: number;
  method?: string;
  paramsJson?: Buffer | Uint8Array | string;
}

/**
 * A request the provider makes of the MCP client: sampling/createMessage, elicitation/create,
 * roots/list. Ids are unique within one call.
 */
export interface ServerRequest__Output {
  id: number;
  method: string;
  paramsJson: Buffer;
}
