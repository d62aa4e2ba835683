import { FleetError } from '@mcp-fleet/contract';
import { invalidParams } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';

/** The list-change flags of a `subscriptions/listen` filter, each an opt-in. */
export const LIST_FLAGS = ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'] as const;

export type ListFlag = (typeof LIST_FLAGS)[number];

/** What a listen stream carries: the honoured subset of what its request asked for. */
export interface ListenFilter {
  toolsListChanged?: true;
  promptsListChanged?: true;
  resourcesListChanged?: true;
  resourceSubscriptions?: string[];
}

const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * The filter a `subscriptions/listen` request asks for, checked: `notifications` is required, its
 * flags are booleans and its URI and task lists arrays of strings. Task ids need the tasks
 * extension in the request's client capabilities (MissingClientCapability otherwise); the gateway
 * has no tasks, so they are never honoured.
 */
export function readListenFilter(params: JsonObject, clientCapabilities: JsonObject): ListenFilter {
  const asked = params.notifications;
  if (!isObject(asked)) throw invalidParams('Invalid params: notifications must be an object');
  const filter: ListenFilter = {};
  for (const flag of LIST_FLAGS) {
    const value = asked[flag];
    if (value !== undefined && typeof value !== 'boolean')
      throw invalidParams(`Invalid params: notifications.${flag} must be a boolean`);
    if (value === true) filter[flag] = true;
  }
  const uris = asked.resourceSubscriptions;
  if (uris !== undefined && !isStringList(uris))
    throw invalidParams('Invalid params: notifications.resourceSubscriptions must be an array of strings');
  if (uris !== undefined) filter.resourceSubscriptions = [...new Set(uris)];
  const taskIds = asked.taskIds;
  if (taskIds !== undefined && !isStringList(taskIds))
    throw invalidParams('Invalid params: notifications.taskIds must be an array of strings');
  const extensions = clientCapabilities.extensions;
  if (taskIds !== undefined && !(isObject(extensions) && isObject(extensions[TASKS_EXTENSION]))) {
    throw new FleetError(
      'MissingClientCapability',
      `notifications.taskIds needs the ${TASKS_EXTENSION} extension`,
      {
        data: { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
      },
    );
  }
  return filter;
}

/**
 * The part of `asked` the gateway delivers to this caller: every list-change flag (the catalog
 * announces changes of all three lists), and the resource URIs the caller may read. A type with
 * nothing left is omitted, as the acknowledgement must show.
 */
export function honour(asked: ListenFilter, mayRead: (uri: string) => boolean): ListenFilter {
  const honoured: ListenFilter = {};
  for (const flag of LIST_FLAGS) if (asked[flag]) honoured[flag] = true;
  const uris = asked.resourceSubscriptions?.filter(mayRead) ?? [];
  if (uris.length > 0) honoured.resourceSubscriptions = uris;
  return honoured;
}
