import * as grpc from '@grpc/grpc-js';
import { type CallServerFrame__Output, createProviderClient } from '@mcp-fleet/contract';
import { Pool } from 'undici';

const ECHO_ARGS = { text: 'hello from the benchmark' };

/** tools/call of echo through the gateway's Streamable HTTP edge, over a pool of keep-alive connections. */
export async function gatewayEcho(
  url: string,
  connections: number,
  credentials: Record<string, string> = {},
): Promise<{ call: () => Promise<boolean>; close: () => Promise<void> }> {
  const origin = new URL(url).origin;
  const path = new URL(url).pathname;
  const pool = new Pool(origin, { connections, pipelining: 1 });
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...credentials,
  };
  const init = await pool.request({
    path,
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    }),
  });
  await init.body.text();
  const session = String(init.headers['mcp-session-id']);
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'echo', arguments: ECHO_ARGS },
  });
  const callHeaders = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
  return {
    async call() {
      const response = await pool.request({ path, method: 'POST', headers: callHeaders, body });
      const text = await response.body.text();
      return response.statusCode === 200 && text.includes('"result"');
    },
    close: () => pool.close(),
  };
}

/** The same call made directly on the provider's gRPC Call stream: the baseline. */
export function directEcho(
  target: string,
  token: string,
): { call: () => Promise<boolean>; close: () => Promise<void> } {
  const client = createProviderClient(target);
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const request = {
    request: {
      method: 'tools/call',
      paramsJson: Buffer.from(JSON.stringify({ name: 'echo', arguments: ECHO_ARGS })),
      clientCapabilitiesJson: Buffer.from('{}'),
      logLevel: 'info',
      protocolVersion: '2025-11-25',
    },
  };
  return {
    call: () =>
      new Promise<boolean>((resolve) => {
        const stream = client.Call(metadata, { deadline: Date.now() + 10_000 });
        let good = false;
        stream.on('data', (frame: CallServerFrame__Output) => {
          if (frame.frame === 'result') good = true;
        });
        stream.on('error', () => {});
        stream.on('status', (status: grpc.StatusObject) => {
          stream.end();
          resolve(good && status.code === grpc.status.OK);
        });
        stream.write(request);
      }),
    close: async () => client.close(),
  };
}
