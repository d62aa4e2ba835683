import type { ConfigSpec } from '@mcp-fleet/runtime';

/**
 * Config keys of pinned tool definitions and of the result cache, spread into the gateway's spec
 * (`mcp-fleet-gateway --help` prints them with the others).
 */
export const catalogConfigSpec = {
  pinning: {
    kind: 'enum',
    values: ['off', 'warn', 'enforce'],
    env: 'MCPFLEET_PINNING',
    flag: 'pinning',
    default: 'enforce',
    doc: 'tool definitions that differ from their pin: enforce withholds them until accepted, warn serves and logs them (per provider in the providers file)',
  },
  pinningNewTools: {
    kind: 'enum',
    values: ['allow', 'hold'],
    env: 'MCPFLEET_PINNING_NEW_TOOLS',
    flag: 'pinning-new-tools',
    default: 'hold',
    doc: 'a tool a pinned provider adds: hold it like a change (accept it first) or allow it (pinned on sight)',
  },
  pinningFirstSight: {
    kind: 'enum',
    values: ['trust', 'hold'],
    env: 'MCPFLEET_PINNING_FIRST_SIGHT',
    flag: 'pinning-first-sight',
    default: 'trust',
    doc: 'a provider with no pins yet: trust pins its catalog as it is (trust on first use), hold waits for an accept',
  },
  pinsFile: {
    kind: 'string',
    env: 'MCPFLEET_PINS_FILE',
    flag: 'pins-file',
    doc: 'JSON file holding the pins when there is no Redis (without either, pins last as long as the process)',
  },
  catalogKeyPrefix: {
    kind: 'string',
    env: 'MCPFLEET_CATALOG_KEY_PREFIX',
    flag: 'catalog-key-prefix',
    default: 'mcpfleet:catalog:',
    doc: 'Redis key and channel prefix of the pins (replicas of one fleet share it)',
  },
  catalogOperatorRoles: {
    kind: 'string',
    env: 'MCPFLEET_CATALOG_OPERATOR_ROLES',
    flag: 'catalog-operator-roles',
    doc: 'comma-separated roles that may list and accept held tool definitions (fleet_catalog_* tools); none when unset',
  },
  resultCacheEntries: {
    kind: 'int',
    env: 'MCPFLEET_RESULT_CACHE_ENTRIES',
    flag: 'result-cache-entries',
    default: 10_000,
    min: 0,
    doc: 'most cached tool results per replica (0: no result cache)',
  },
  resultCacheBytes: {
    kind: 'int',
    env: 'MCPFLEET_RESULT_CACHE_BYTES',
    flag: 'result-cache-bytes',
    default: 64 * 1024 * 1024,
    min: 0,
    doc: 'most bytes of cached tool results per replica; a result above a sixteenth of it is not cached',
  },
  resultCacheMaxTtl: {
    kind: 'duration',
    env: 'MCPFLEET_RESULT_CACHE_MAX_TTL',
    flag: 'result-cache-max-ttl',
    default: 300_000,
    doc: 'longest time a result is served from the cache, whatever TTL its tool declares',
  },
} as const satisfies ConfigSpec;
