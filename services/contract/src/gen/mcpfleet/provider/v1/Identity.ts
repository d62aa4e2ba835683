// Original file: proto/mcpfleet/provider/v1/provider.proto

export interface Identity {
  subject?: string;
  tenant?: string;
  roles?: string[];
  sessionId?: string;
}

export interface Identity__Output {
  subject: string;
  tenant: string;
  roles: string[];
  sessionId: string;
}
