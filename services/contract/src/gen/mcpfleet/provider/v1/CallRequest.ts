// Original file: proto/mcpfleet/provider/v1/provider.proto

export interface CallRequest {
  /**
   * MCP method: "tools/call", "resources/read", "prompts/get" or "completion/complete".
   */
  method?: string;
  /**
   * The MCP params object, unchanged except that names carry no gateway prefix.
   */
  paramsJson?: Buffer | Uint8Array | string;
  /**
   * The client's MCP capabilities (from initialize), so a handler knows whether it may sample,
   * elicit or list roots.
   */
  clientCapabilitiesJson?: Buffer | Uint8Array | string;
  /**
   * Minimum level of log frames the caller wants (MCP logging levels); empty means "info", "off" none.
   */
  logLevel?: string;
  /**
   * MCP protocol version negotiated with the client.
   */
  protocolVersion?: string;
}

export interface CallRequest__Output {
  /**
   * MCP method: "tools/call", "resources/read", "prompts/get" or "completion/complete".
   */
  method: string;
  /**
   * The MCP params object, unchanged except that names carry no gateway prefix.
   */
  paramsJson: Buffer;
  /**
   * The client's MCP capabilities (from initialize), so a handler knows whether it may sample,
   * elicit or list roots.
   */
  clientCapabilitiesJson: Buffer;
  /**
   * Minimum level of log frames the caller wants (MCP logging levels); empty means "info", "off" none.
   */
  logLevel: string;
  /**
   * MCP protocol version negotiated with the client.
   */
  protocolVersion: string;
}
