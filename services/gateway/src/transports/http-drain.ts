import type { ServerResponse } from 'node:http';
import { Server } from 'node:net';
import { InflightTable } from '@mcp-fleet/runtime';
import type { FastifyInstance } from 'fastify';

/**
 * The HTTP side of a drain. Once it starts, the listening socket closes, and every answer still
 * to be sent carries `Connection: close`: a request that arrives on a kept-alive connection is
 * served, and its client opens its next connection elsewhere. Node's own `http.Server.close`
 * would also drop idle kept-alive connections, racing a client writing its next request on one:
 * that request would be lost.
 */
export function drainableHttp(app: FastifyInstance): { stopAccepting(): void } {
  let draining = false;
  const unanswered = new InflightTable<ServerResponse>();
  app.addHook('onRequest', async (_request, reply) => {
    const response = reply.raw;
    if (draining) {
      response.shouldKeepAlive = false;
      return;
    }
    const key = unanswered.add(response);
    response.once('close', () => unanswered.delete(key));
  });
  return {
    stopAccepting() {
      draining = true;
      for (const response of unanswered.values()) if (!response.headersSent) response.shouldKeepAlive = false;
      if (app.server.listening) Server.prototype.close.call(app.server);
    },
  };
}
