// Original file: proto/mcpfleet/provider/v1/provider.proto

export interface Result {
  /**
   * The MCP result object (CallToolResult, ReadResourceResult, GetPromptResult, CompleteResult).
   */
  resultJson?: Buffer | Uint8Array | string;
}

export interface Result__Output {
  /**
   * The MCP result object (CallToolResult, ReadResourceResult, GetPromptResult, CompleteResult).
   */
  resultJson: Buffer;
}
