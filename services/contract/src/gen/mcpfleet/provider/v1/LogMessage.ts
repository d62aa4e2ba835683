// Original file: proto/mcpfleet/provider/v1/provider.proto

export interface LogMessage {
  /**
   * MCP logging level: debug, info, notice, warning, error, critical, alert, emergency.
   */
  level?: string;
  logger?: string;
  dataJson?: Buffer | Uint8Array | string;
}

export interface LogMessage__Output {
  /**
   * MCP logging level: debug, info, notice, warning, error, critical, alert, emergency.
   */
  level: string;
  logger: string;
  dataJson: Buffer;
}
