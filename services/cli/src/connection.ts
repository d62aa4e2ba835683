import { type Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

interface Live {
  client: Client;
  /** The transport closed, or the session is known gone: no new call goes to it. */
  retired: boolean;
  /** Calls running on it; a retired client is closed only when the last of them is done. */
  calls: number;
}

/**
 * The one SDK client a FleetClient's calls share, replaced single-flight: when it is retired,
 * the first call that needs it opens a successor and every call arriving meanwhile waits for that
 * same open, instead of each closing and reopening the connection under the others' feet.
 */
export class SharedConnection {
  private live: Live | undefined;
  private opening: Promise<Live> | undefined;

  constructor(private readonly open: () => Promise<Client>) {}

  get client(): Client | undefined {
    return this.live?.client;
  }

  /** Runs `work` on the current client, opening one first if there is none or it was retired. */
  async run<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const live = await this.acquire();
    live.calls++;
    try {
      return await work(live.client);
    } finally {
      live.calls--;
      if (live.retired && live.calls === 0) await live.client.close().catch(() => undefined);
    }
  }

  private acquire(): Promise<Live> {
    if (this.live && !this.live.retired) return Promise.resolve(this.live);
    this.opening ??= this.replace().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async replace(): Promise<Live> {
    const client = await this.open();
    const live: Live = { client, retired: false, calls: 0 };
    client.onclose = () => {
      live.retired = true;
    };
    this.live = live;
    return live;
  }

  /**
   * A call on `client` failed: with the session gone, or with the connection when the session
   * lives and dies with it (WebSocket, gRPC, legacy SSE). A Streamable HTTP session outlives its
   * connections (the gateway keeps it in Redis), and a 2026 exchange there has no session at all,
   * so a connection failure alone keeps the client.
   */
  failed(client: Client, sessionGone: boolean): void {
    const live = this.live;
    if (live?.client !== client || live.retired) return;
    if (!sessionGone && client.transport instanceof StreamableHTTPClientTransport) return;
    live.retired = true;
    if (live.calls === 0) void client.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    const live = this.live;
    this.live = undefined;
    await live?.client.close();
  }
}
