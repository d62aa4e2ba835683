import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@modelcontextprotocol/client';
import { retryable } from './retry.js';

/** How long a lost listen stream waits before it is opened again (the gateway may be restarting). */
const RELISTEN_MS = 1_000;

/**
 * Tells `changed` when the gateway's tools change, on a 2026-07-28 connection, where
 * tools/list_changed comes only on a `subscriptions/listen` stream (a 2025 session gets it
 * unsolicited, through the notification handler alone). A stream the gateway ends is opened again
 * while the client lives, and `changed` is told, since what changed meanwhile went unseen. A
 * gateway that refuses the subscription (one without it, say) leaves the cache's TTL as the only
 * bound on staleness.
 */
export async function watchToolChanges(client: Client, changed: () => void): Promise<void> {
  if (!client.getServerCapabilities()?.tools?.listChanged) return;
  while (client.transport) {
    try {
      const subscription = await client.listen({ toolsListChanged: true });
      if ((await subscription.closed) === 'local' || !client.transport) return;
      changed();
    } catch (err) {
      if (!retryable(err)) return;
    }
    await sleep(RELISTEN_MS, undefined, { ref: false });
  }
}
