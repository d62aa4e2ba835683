// Original file: proto/mcpfleet/edge/v1/edge.proto

/**
 * One JSON-RPC message as UTF-8 JSON.
 */
export interface JsonRpcFrame {
  json?: Buffer | Uint8Array | string;
}

/**
 * One JSON-RPC message as UTF-8 JSON.
 */
export interface JsonRpcFrame__Output {
  json: Buffer;
}
