import type { Caller } from '../auth/caller.js';
import type { JsonObject } from '../protocol/messages.js';

export interface SearchModeOptions {
  /** Callers holding any of these roles get search mode. */
  roles: readonly string[];
  /** Clients whose clientInfo.name is one of these get search mode (a presentation choice: policy still decides). */
  clients: readonly string[];
}

/** Whether a caller, through this client, sees the catalog through the search tools. */
export function inSearchMode(options: SearchModeOptions, caller: Caller, clientInfo: JsonObject): boolean {
  if (options.roles.length > 0 && caller.roles.some((role) => options.roles.includes(role))) return true;
  const client = clientInfo.name;
  return typeof client === 'string' && options.clients.includes(client);
}
