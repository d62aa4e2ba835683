import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import {
  edgePackageDefinition,
  type JsonRpcFrame,
  type JsonRpcFrame__Output,
  loadEdgeProto,
  type McpEdgeHandlers,
} from '@mcp-fleet/contract';
import { contextFromMetadata } from '@mcp-fleet/sdk';
import type { Logger } from 'pino';
import type { GatewayCore } from '../engine/engine.js';
import { HttpError } from '../protocol/errors.js';
import { ChannelSession } from '../engine/conversation.js';

export interface GrpcEdgeOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  draining: () => boolean;
  logger: Logger;
}

/** HTTP statuses of authentication and admission, as the gRPC status codes they mean. */
function grpcStatus(error: HttpError): grpc.status {
  switch (error.status) {
    case 401:
      return grpc.status.UNAUTHENTICATED;
    case 403:
      return grpc.status.PERMISSION_DENIED;
    case 429:
      return grpc.status.RESOURCE_EXHAUSTED;
    case 503:
      return grpc.status.UNAVAILABLE;
    default:
      return grpc.status.INVALID_ARGUMENT;
  }
}

/**
 * The gRPC edge (`mcpfleet.edge.v1.McpEdge`): each `Session` stream is one MCP session carrying
 * JSON-RPC messages both ways, authenticated from the `authorization` metadata. Server reflection
 * is on, so grpcurl and friends can discover it.
 */
export async function startGrpcEdge(
  core: GatewayCore,
  options: GrpcEdgeOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
  });
  const handlers: McpEdgeHandlers = {
    Session(call: grpc.ServerDuplexStream<JsonRpcFrame__Output, JsonRpcFrame>) {
      const fail = (error: HttpError) =>
        call.emit('error', { code: grpcStatus(error), details: error.message });
      if (options.draining()) {
        fail(new HttpError(503, -32003, 'this gateway is shutting down'));
        return;
      }
      const authorization = call.metadata.get('authorization')[0];
      core.deps.authenticator
        .authenticate(
          { authorization: typeof authorization === 'string' ? authorization : undefined },
          'grpc://gateway',
        )
        .then((caller) => {
          const channel = new ChannelSession(
            core,
            caller,
            (text) => {
              if (!call.writableEnded && !call.destroyed) call.write({ json: Buffer.from(text) });
            },
            contextFromMetadata(call.metadata),
          );
          call.on('data', (frame: JsonRpcFrame__Output) => channel.receive(frame.json.toString('utf8')));
          call.on('end', () => call.end());
          call.on('close', () => void channel.close());
          call.on('cancelled', () => void channel.close());
          call.on('error', () => {});
        })
        .catch((err: unknown) =>
          fail(err instanceof HttpError ? err : new HttpError(500, -32603, String(err))),
        );
    },
  };
  server.addService(loadEdgeProto().mcpfleet.edge.v1.McpEdge.service, handlers);
  new ReflectionService(edgePackageDefinition()).addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`,
      grpc.ServerCredentials.createInsecure(),
      (err, bound) =>
        err
          ? reject(new Error(`gRPC edge cannot listen on ${options.host}:${options.port}: ${err.message}`))
          : resolve(bound),
    ),
  );
  options.logger.info({ port }, 'gRPC edge serving');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const forced = setTimeout(() => server.forceShutdown(), 5_000);
        server.tryShutdown(() => {
          clearTimeout(forced);
          resolve();
        });
      }),
  };
}
