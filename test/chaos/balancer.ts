/**
 * A connection-level round-robin balancer on loopback, standing in for a Kubernetes Service in
 * front of gateway replicas: each new TCP connection goes to the next backend in the current
 * endpoint list; taking a backend out of the list (a terminating pod leaving the endpoints) leaves
 * its open connections alone, as kube-proxy does.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

export class Balancer {
  private backends: number[] = [];
  private next = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<Balancer> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const balancer = new Balancer(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => balancer.route(client));
    return balancer;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The endpoint list from now on (ports on 127.0.0.1). */
  setBackends(ports: number[]): void {
    this.backends = [...ports];
  }

  private route(client: Socket): void {
    const port = this.backends[this.next++ % Math.max(1, this.backends.length)];
    if (port === undefined) {
      client.destroy();
      return;
    }
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    }
    // A failure on either side resets the other, as a dead pod's connections are reset.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
