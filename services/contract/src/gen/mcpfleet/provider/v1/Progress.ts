// Original file: proto/mcpfleet/provider/v1/provider.proto

export interface Progress {
  progress?: number | string;
  /**
   * 0 when unknown.
   */
  total?: number | string;
  message?: string;
}

export interface Progress__Output {
  progress: number;
  /**
   * 0 when unknown.
   */
  total: number;
  message: string;
}
