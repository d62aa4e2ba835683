import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import {
  edgePackageDefinition,
  FleetError,
  type JsonRpcFrame,
  type JsonRpcFrame__Output,
  loadEdgeProto,
  type McpEdgeHandlers,
} from '@mcp-fleet/contract';
import { contextFromMetadata } from '@mcp-fleet/runtime';
import type { Logger } from 'pino';
import { Conversation } from '../engine/conversation.js';
import type { SessionEngine } from '../engine/engine.js';
import { refusals } from '../protocol/errors.js';

export interface GrpcEdgeOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  logger: Logger;
}

/**
 * The gRPC edge (`mcpfleet.edge.v1.McpEdge`): each `Session` stream is one MCP session carrying
 * JSON-RPC messages both ways, authenticated from the `authorization` metadata. Server reflection
 * is on, so grpcurl and friends can discover it.
 */
export async function startGrpcEdge(
  engine: SessionEngine,
  options: GrpcEdgeOptions,
): Promise<{ port: number; stopAccepting(): void; close(): Promise<void> }> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
  });
  const handlers: McpEdgeHandlers = {
    Session(call: grpc.ServerDuplexStream<JsonRpcFrame__Output, JsonRpcFrame>) {
      // The one mapping of a FleetError onto this edge: the gRPC status of its catalogue entry.
      const fail = (error: FleetError) =>
        call.emit('error', { code: error.grpcStatus, details: error.message });
      const metadata = (name: string) => {
        const value = call.metadata.get(name)[0];
        return typeof value === 'string' ? value : undefined;
      };
      if (engine.draining) {
        fail(refusals.draining());
        return;
      }
      engine
        .authenticate({ authorization: metadata('authorization') }, 'grpc://gateway')
        .then((caller) => {
          const channel = new Conversation(engine, {
            caller,
            send: (text) => {
              if (!call.writableEnded && !call.destroyed) call.write({ json: Buffer.from(text) });
            },
            envelope: { header: metadata },
            traceContext: contextFromMetadata(call.metadata),
          });
          call.on('data', (frame: JsonRpcFrame__Output) => channel.receive(frame.json.toString('utf8')));
          call.on('end', () => call.end());
          call.on('close', () => void channel.close());
          call.on('cancelled', () => void channel.close());
          call.on('error', () => {});
        })
        .catch((err: unknown) => fail(err instanceof FleetError ? err : refusals.internal(String(err))));
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
  let shutdown: Promise<void> | undefined;
  const tryShutdown = () => {
    shutdown ??= new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    return shutdown;
  };
  return {
    port,
    // GOAWAY: clients open new Sessions elsewhere; the Sessions already open go on being served.
    stopAccepting: () => void tryShutdown(),
    close: async () => {
      const forced = setTimeout(() => server.forceShutdown(), 5_000);
      await tryShutdown();
      clearTimeout(forced);
    },
  };
}
