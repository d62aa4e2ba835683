import { Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { SessionEngine } from '../engine/engine.js';

/**
 * While the replica drains, every HTTP answer carries `Connection: close`: a request that arrives
 * on a kept-alive connection is served, and its client opens its next connection elsewhere.
 */
export function closeConnectionsWhileDraining(app: FastifyInstance, engine: SessionEngine): void {
  app.addHook('onSend', async (_request, reply) => {
    if (engine.draining) reply.header('connection', 'close');
  });
}

/**
 * Closes the listening socket only. Node's own `http.Server.close` also drops idle keep-alive
 * connections, racing a client that is writing its next request on one: that request would be
 * lost. Open connections stay until their next answer (`Connection: close`) or the drain's end.
 */
export function stopAccepting(app: FastifyInstance): void {
  if (app.server.listening) Server.prototype.close.call(app.server);
}
