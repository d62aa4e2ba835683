// Original file: proto/mcpfleet/provider/v1/provider.proto

export interface Cancel {
  reason?: string;
}

export interface Cancel__Output {
  reason: string;
}
