import { FleetError } from '@mcp-fleet/contract';
import type { ListKind } from '../catalog/registry.js';
import { invalidParams } from '../protocol/errors.js';
import { isObject, type JsonObject } from '../protocol/messages.js';
import { jsonBytes, refuseFieldsOutside } from '../protocol/param-fields.js';

/** The list-change flags of a `subscriptions/listen` filter, each an opt-in. */
export const LIST_FLAGS = ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'] as const;

export type ListFlag = (typeof LIST_FLAGS)[number];

/** The list each flag follows. */
export const KIND_OF_FLAG: Readonly<Record<ListFlag, ListKind>> = {
  toolsListChanged: 'tools',
  promptsListChanged: 'prompts',
  resourcesListChanged: 'resources',
};

/**
 * A stream holds its URIs for its whole life, and a replica serves many streams: these bounds keep
 * what one stream holds to about a megabyte whatever its request says (an unbounded list let a few
 * streams exhaust the heap). No real client watches more resources at once on one stream.
 */
export const MAX_RESOURCE_SUBSCRIPTIONS = 1000;
export const MAX_URI_LENGTH = 1024;

/**
 * A stream lives as long as its client stays, so its request must be small by construction: 64 KiB
 * of params holds the filter and its envelope, and MAX_RESOURCE_SUBSCRIPTIONS URIs only when they
 * are short (about 60 characters each).
 */
export const MAX_LISTEN_PARAMS_BYTES = 64 * 1024;

const LISTEN_PARAMS: ReadonlySet<string> = new Set(['notifications', '_meta']);

/** What a listen stream carries: the honoured subset of what its request asked for. */
export interface ListenFilter {
  toolsListChanged?: true;
  promptsListChanged?: true;
  resourcesListChanged?: true;
  resourceSubscriptions?: string[];
}

const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * The filter a `subscriptions/listen` request asks for, checked: `notifications` is required, its
 * flags are booleans and its URI and task lists arrays of strings. Task ids need the tasks
 * extension in the request's client capabilities (MissingClientCapability otherwise); the gateway
 * has no tasks, so they are never honoured.
 */
export function readListenFilter(params: JsonObject, clientCapabilities: JsonObject): ListenFilter {
  refuseFieldsOutside('subscriptions/listen', params, LISTEN_PARAMS);
  if (jsonBytes(params) > MAX_LISTEN_PARAMS_BYTES)
    throw invalidParams(
      `Invalid params: subscriptions/listen params are at most ${MAX_LISTEN_PARAMS_BYTES / 1024} KiB of JSON (${MAX_RESOURCE_SUBSCRIPTIONS} URIs fit only when short): open another stream for more`,
    );
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
  if (uris !== undefined) filter.resourceSubscriptions = bounded(uris);
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

/** Each URI once, refused beyond the bounds a stream may hold. */
function bounded(uris: string[]): string[] {
  const unique = [...new Set(uris)];
  if (unique.length > MAX_RESOURCE_SUBSCRIPTIONS)
    throw invalidParams(
      `Invalid params: notifications.resourceSubscriptions holds at most ${MAX_RESOURCE_SUBSCRIPTIONS} URIs (got ${unique.length}): open another stream for more`,
    );
  if (unique.some((uri) => uri.length > MAX_URI_LENGTH))
    throw invalidParams(
      `Invalid params: each URI of notifications.resourceSubscriptions has at most ${MAX_URI_LENGTH} characters`,
    );
  return unique;
}

/** True when a filter asks for nothing at all. */
export const asksNothing = (filter: ListenFilter): boolean =>
  !LIST_FLAGS.some((flag) => filter[flag]) && (filter.resourceSubscriptions?.length ?? 0) === 0;

/**
 * The part of `asked` the gateway delivers to this caller: the list changes of the lists it may
 * see (the catalog announces changes of all three; without `maySee`, all are seen), and the
 * resource URIs it may read. A type with nothing left is omitted, as the acknowledgement must show.
 */
export function honour(
  asked: ListenFilter,
  mayRead: (uri: string) => boolean,
  maySee: (kind: ListKind) => boolean = () => true,
): ListenFilter {
  const honoured: ListenFilter = {};
  for (const flag of LIST_FLAGS) if (asked[flag] && maySee(KIND_OF_FLAG[flag])) honoured[flag] = true;
  const uris = asked.resourceSubscriptions?.filter(mayRead) ?? [];
  if (uris.length > 0) honoured.resourceSubscriptions = uris;
  return honoured;
}
