// Original file: proto/mcpfleet/provider/v1/provider.proto

/**
 * A JSON-RPC error for the caller (unknown tool, invalid params, ...). Tool failures are not
 * errors: they are results with isError = true.
 */
export interface Error {
  code?: number;
  message?: string;
  dataJson?: Buffer | Uint8Array | string;
}

/**
 * A JSON-RPC error for the caller (unknown tool, invalid params, ...). Tool failures are not
 * errors: they are results with isError = true.
 */
export interface Error__Output {
  code: number;
  message: string;
  dataJson: Buffer;
}
