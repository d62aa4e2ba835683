import * as grpc from '@grpc/grpc-js';
import type { ToolProviderClient } from './gen/mcpfleet/provider/v1/ToolProvider.js';
import { loadProviderProto } from './proto.js';

export interface ProviderClientOptions {
  /** Extra grpc-js channel options, merged over the defaults below. */
  channelOptions?: grpc.ChannelOptions;
  /** Channel credentials; insecure (plaintext) when omitted, as inside a cluster network. */
  credentials?: grpc.ChannelCredentials;
}

/**
 * Defaults for a long-lived channel to a provider: keepalive pings so a dead peer is noticed
 * between calls, round-robin across every address the target resolves to, and reconnects at most
 * a second apart. grpc-js backs off up to two minutes by default; in a rolling update the next
 * replica stops once its predecessor's successor is ready, so an address still backing off from
 * the restart would leave the gateway no replica at all (the chaos suite's scenario 2 saw it).
 */
const DEFAULT_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};

/** A typed client for one provider target (`host:port`, `dns:///name:port`, ...). */
export function createProviderClient(
  target: string,
  options: ProviderClientOptions = {},
): ToolProviderClient {
  const { ToolProvider } = loadProviderProto().mcpfleet.provider.v1;
  return new ToolProvider(target, options.credentials ?? grpc.credentials.createInsecure(), {
    ...DEFAULT_CHANNEL_OPTIONS,
    ...options.channelOptions,
  });
}
