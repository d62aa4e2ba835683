import {
  type ConfigOf,
  type ConfigSource,
  type ConfigSpec,
  parseConfig,
  processConfigSpec,
} from '@mcp-fleet/runtime';
import { catalogConfigSpec } from './catalog/catalog-config.js';

/** Every key the gateway reads at boot; `mcp-fleet-gateway --help` prints this table. */
export const gatewayConfigSpec = {
  listen: {
    kind: 'listen',
    env: 'MCPFLEET_GATEWAY_LISTEN',
    flag: 'listen',
    default: '127.0.0.1:8080',
    doc: 'HTTP address for /mcp, /healthz, /readyz',
  },
  grpcListen: {
    kind: 'string',
    env: 'MCPFLEET_GRPC_LISTEN',
    flag: 'grpc-listen',
    default: '127.0.0.1:9090',
    doc: 'gRPC edge address (mcpfleet.edge.v1.McpEdge), or "off"',
  },
  providersFile: {
    kind: 'string',
    env: 'MCPFLEET_PROVIDERS_FILE',
    flag: 'providers-file',
    doc: 'YAML or JSON file listing the providers (required unless discovery is on)',
  },
  workflowsFile: {
    kind: 'string',
    env: 'MCPFLEET_WORKFLOWS_FILE',
    flag: 'workflows-file',
    doc: 'YAML or JSON file of workflows, exposed as workflow_<name> tools',
  },
  discovery: {
    kind: 'string',
    env: 'MCPFLEET_DISCOVERY',
    flag: 'discovery',
    default: 'off',
    doc: 'off, or kubernetes: add and remove providers as Services labelled mcp-fleet.io/provider=true come and go',
  },
  discoveryNamespaces: {
    kind: 'string',
    env: 'MCPFLEET_DISCOVERY_NAMESPACES',
    flag: 'discovery-namespaces',
    doc: "comma-separated namespaces whose Services are followed (default: the gateway's own namespace)",
  },
  discoveryKubeconfig: {
    kind: 'string',
    env: 'MCPFLEET_DISCOVERY_KUBECONFIG',
    flag: 'discovery-kubeconfig',
    doc: 'kubeconfig for discovery (in a cluster: the ServiceAccount when unset)',
  },
  discoveryExternalNames: {
    kind: 'bool',
    env: 'MCPFLEET_DISCOVERY_EXTERNAL_NAMES',
    flag: 'discovery-external-names',
    default: false,
    doc: 'also follow ExternalName Services (they may point anywhere)',
  },
  clusterDomain: {
    kind: 'string',
    env: 'MCPFLEET_CLUSTER_DOMAIN',
    flag: 'cluster-domain',
    default: 'cluster.local',
    doc: 'DNS domain of discovered Services',
  },
  readyTimeout: {
    kind: 'duration',
    env: 'MCPFLEET_READY_TIMEOUT',
    flag: 'ready-timeout',
    default: 30_000,
    doc: 'longest start-up wait for every provider to deliver its catalog before /readyz turns 200 anyway (0: no wait)',
  },
  redisUrl: {
    kind: 'string',
    env: 'REDIS_URL',
    flag: 'redis-url',
    doc: 'Redis for sessions and cross-replica delivery; memory when unset',
  },
  sessionTtl: {
    kind: 'duration',
    env: 'MCPFLEET_SESSION_TTL',
    flag: 'session-ttl',
    default: 3_600_000,
    doc: 'idle time after which a session expires',
  },
  bodyLimit: {
    kind: 'int',
    env: 'MCPFLEET_BODY_LIMIT',
    flag: 'body-limit',
    default: 4 * 1024 * 1024,
    min: 1024,
    doc: 'largest accepted request body in bytes (413 above)',
  },
  toolTimeout: {
    kind: 'duration',
    env: 'MCPFLEET_TOOL_TIMEOUT',
    flag: 'tool-timeout',
    default: 60_000,
    doc: 'default deadline of a forwarded call (per provider and tool in the providers file)',
  },
  jsonWindow: {
    kind: 'duration',
    env: 'MCPFLEET_JSON_WINDOW',
    flag: 'json-window',
    default: 50,
    doc: 'a forwarded call answered within this time, with nothing streamed, gets a plain JSON reply; later ones an SSE stream',
  },
  allowedOrigins: {
    kind: 'string',
    env: 'MCPFLEET_ALLOWED_ORIGINS',
    flag: 'allowed-origins',
    doc: 'comma-separated Origin values browsers may call from (loopback origins are allowed on a loopback listener)',
  },
  allowedHosts: {
    kind: 'string',
    env: 'MCPFLEET_ALLOWED_HOSTS',
    flag: 'allowed-hosts',
    doc: 'comma-separated Host values to accept (default: localhost names on a loopback listener, any otherwise)',
  },
  pageSize: {
    kind: 'int',
    env: 'MCPFLEET_PAGE_SIZE',
    flag: 'page-size',
    default: 100,
    min: 1,
    max: 10_000,
    doc: 'items per page of tools/resources/prompts lists',
  },
  cacheTtl: {
    kind: 'duration',
    env: 'MCPFLEET_CACHE_TTL',
    flag: 'cache-ttl',
    default: 30_000,
    doc: 'ttlMs hint on MCP 2026-07-28 lists, resources/read and server/discover (list_changed still invalidates)',
  },
  identityKey: {
    kind: 'string',
    env: 'MCPFLEET_IDENTITY_KEY',
    flag: 'identity-key',
    doc: 'private JWK (JSON file) that signs internal identity tokens; an ephemeral key when unset',
  },
  identityJwksOut: {
    kind: 'string',
    env: 'MCPFLEET_IDENTITY_JWKS_OUT',
    flag: 'identity-jwks-out',
    doc: 'where to write the public JWKS providers verify tokens with',
  },
  requestStateKey: {
    kind: 'string',
    env: 'MCPFLEET_REQUEST_STATE_KEY',
    flag: 'request-state-key',
    doc: 'file holding the secret (32+ bytes) that signs input_required requestStates; replicas must share it (default: derived from the identity key, else random per process)',
  },
  inputRequiredTtl: {
    kind: 'duration',
    env: 'MCPFLEET_INPUT_REQUIRED_TTL',
    flag: 'input-required-ttl',
    default: 600_000,
    doc: 'how long a call that answered input_required (2026-07-28) waits for the retry before it is cancelled',
  },
  maxParkedPerSubject: {
    kind: 'int',
    env: 'MCPFLEET_MAX_PARKED_PER_SUBJECT',
    flag: 'max-parked-per-subject',
    default: 32,
    min: 1,
    doc: 'calls per caller that answered input_required and wait for its retry, per replica (they hold no in-flight slot)',
  },
  authFile: {
    kind: 'string',
    env: 'MCPFLEET_AUTH_FILE',
    flag: 'auth-file',
    doc: 'API keys and JWT settings (YAML/JSON); without it auth is "none", allowed only on a loopback listener',
  },
  policyFile: {
    kind: 'string',
    env: 'MCPFLEET_POLICY_FILE',
    flag: 'policy-file',
    doc: 'roles, allow/deny rules, argument constraints, limits (YAML/JSON, reloaded on change); none = deny all',
  },
  auditLog: {
    kind: 'string',
    env: 'MCPFLEET_AUDIT_LOG',
    flag: 'audit-log',
    default: 'stdout',
    doc: 'where audit lines go: stdout or a file path',
  },
  rateFailOpen: {
    kind: 'bool',
    env: 'MCPFLEET_RATE_LIMIT_FAIL_OPEN',
    flag: 'rate-limit-fail-open',
    default: true,
    doc: 'let calls through when Redis cannot check a rate limit',
  },
  quotaFailOpen: {
    kind: 'bool',
    env: 'MCPFLEET_QUOTA_FAIL_OPEN',
    flag: 'quota-fail-open',
    default: false,
    doc: 'let calls through when Redis cannot check a quota',
  },
  maxConcurrentPerSession: {
    kind: 'int',
    env: 'MCPFLEET_MAX_CONCURRENT_PER_SESSION',
    flag: 'max-concurrent-per-session',
    default: 32,
    min: 1,
    doc: 'calls in flight per session, per replica',
  },
  maxConcurrentPerSubject: {
    kind: 'int',
    env: 'MCPFLEET_MAX_CONCURRENT_PER_SUBJECT',
    flag: 'max-concurrent-per-subject',
    default: 256,
    min: 1,
    doc: 'calls in flight per caller, per replica',
  },
  maxListenStreams: {
    kind: 'int',
    env: 'MCPFLEET_MAX_LISTEN_STREAMS',
    flag: 'max-listen-streams',
    default: 1024,
    min: 1,
    doc: 'open subscriptions/listen streams (MCP 2026-07-28), per replica',
  },
  maxListenStreamsPerCaller: {
    kind: 'int',
    env: 'MCPFLEET_MAX_LISTEN_STREAMS_PER_CALLER',
    flag: 'max-listen-streams-per-caller',
    default: 16,
    min: 1,
    doc: 'open subscriptions/listen streams of one caller, per replica',
  },
  ...catalogConfigSpec,
  ...processConfigSpec,
} as const satisfies ConfigSpec;

export type GatewayConfig = ConfigOf<typeof gatewayConfigSpec>;

export function readGatewayConfig(source: ConfigSource): GatewayConfig {
  return parseConfig(gatewayConfigSpec, source);
}

export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
