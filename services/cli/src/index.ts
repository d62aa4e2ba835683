export { type CallOptions, FleetClient, type FleetClientOptions } from './client.js';
export { PROTOCOL_CHOICES, type ProtocolChoice } from './open-client.js';
export { DEFAULT_RETRY, RefusedForNow, type RetryPolicy, retryable } from './retry.js';
export { GrpcEdgeTransport, transportFor, WebSocketTransport } from './transports.js';
