import type * as grpc from '@grpc/grpc-js';
import type { CallClientFrame__Output, CallServerFrame } from '@mcp-fleet/contract';
import { type CallEnvironment, CallRun } from './call.js';

export type CallStream = grpc.ServerDuplexStream<CallClientFrame__Output, CallServerFrame>;

/**
 * Runs one Call stream: the first frame is the request, later frames cancel it or answer the
 * provider's server-to-client requests. Every contract violation ends the stream with a gRPC
 * status; nothing a caller sends can throw out of here.
 */
export function handleCall(call: CallStream, env: CallEnvironment): Promise<void> {
  const deadline = call.getDeadline();
  const run = new CallRun(
    {
      metadata: call.metadata,
      deadlineMs: deadline instanceof Date ? deadline.getTime() : deadline,
      rpcMethod: 'Call',
      // The gateway may have ended or cancelled the stream already (a parked call released at shutdown).
      writable: () => !call.writableEnded && !call.destroyed,
      write: (frame) => call.write(frame),
      end: (frame) => {
        if (frame) call.write(frame);
        call.end();
      },
      fail: (status) => call.emit('error', status),
      // grpc-js has closed the stream: there is no one left to tell.
      abandoned: () => {},
    },
    env,
  );
  call.on('cancelled', () => run.cancelled());
  call.on('error', (err) => {
    env.logger.debug({ err, method: run.method }, 'call stream error');
  });
  call.on('end', () => run.inputEnded());
  call.on('data', (frame: CallClientFrame__Output) => run.onData(frame));
  return run.run();
}
