import { type Domain, e } from './entity.js';

/** Operations and collaboration: infrastructure, delivery, product data, chat, code, access. */
export const OPERATIONS_SYSTEMS: readonly Domain[] = [
  {
    name: 'monitoring',
    title: 'Monitoring',
    system: 'the monitoring stack',
    entities: [
      e('alert', 'alerts', 'a firing alarm on a metric threshold', [
        'service',
        'severity',
        'since',
        'labels',
      ]),
      e('dashboard', 'dashboards', 'a set of graphs about a service', ['folder', 'title', 'panels']),
      e('silence', 'silences', 'a mute on alerts for a maintenance window', [
        'matchers',
        'startsAt',
        'endsAt',
        'comment',
      ]),
    ],
  },
  {
    name: 'logs',
    title: 'Logs',
    system: 'the log store',
    entities: [
      e('log_stream', 'log streams', 'the log lines of one service', [
        'service',
        'since',
        'until',
        'level',
        'pattern',
      ]),
      e('saved_query', 'saved queries', 'a log search kept for reuse', ['name', 'queryText', 'owner']),
    ],
  },
  {
    name: 'dns',
    title: 'DNS',
    system: 'the DNS provider',
    entities: [
      e('record', 'records', 'a DNS entry such as A, CNAME or TXT', [
        'zone',
        'hostname',
        'recordType',
        'value',
        'ttlSeconds',
      ]),
      e('zone', 'zones', 'a domain delegated to the DNS provider', ['domain', 'nameservers']),
    ],
  },
  {
    name: 'storage',
    title: 'Object storage',
    system: 'the object storage',
    entities: [
      e('bucket', 'buckets', 'a container of stored objects', ['bucketName', 'region', 'versioning']),
      e('object', 'objects', 'a file kept in a bucket', ['bucketName', 'key', 'contentType', 'sizeBytes']),
      e('lifecycle_rule', 'lifecycle rules', 'a rule that expires or archives old objects', [
        'bucketName',
        'prefix',
        'expireDays',
      ]),
    ],
  },
  {
    name: 'db',
    title: 'Databases',
    system: 'the managed database service',
    entities: [
      e('instance', 'instances', 'a managed database server', [
        'engine',
        'version',
        'instanceClass',
        'region',
      ]),
      e('backup', 'backups', 'a snapshot of a database taken for recovery', [
        'instanceId',
        'takenAt',
        'retentionDays',
      ]),
      e('replica', 'replicas', 'a read-only copy that follows the primary', [
        'instanceId',
        'region',
        'lagSeconds',
      ]),
    ],
  },
  {
    name: 'ci',
    title: 'CI',
    system: 'the continuous integration service',
    entities: [
      e('pipeline', 'pipelines', 'a build and test run for a commit', [
        'repository',
        'branch',
        'commitSha',
        'status',
      ]),
      e('artifact', 'artifacts', 'a file a build produced, such as a binary or report', [
        'pipelineId',
        'path',
        'sizeBytes',
      ]),
      e('runner', 'runners', 'a machine that executes build jobs', ['labels', 'os', 'online']),
    ],
  },
  {
    name: 'deploy',
    title: 'Deployments',
    system: 'the deployment tool',
    entities: [
      e('release', 'releases', 'a version of a service rolled out to an environment', [
        'service',
        'environment',
        'version',
        'strategy',
      ]),
      e('environment', 'environments', 'a place services run, such as staging or production', [
        'name',
        'cluster',
        'protected',
      ]),
      e('rollback', 'rollbacks', 'a return to the previous release of a service', [
        'service',
        'environment',
        'toVersion',
      ]),
    ],
  },
  {
    name: 'analytics',
    title: 'Analytics',
    system: 'the product analytics',
    entities: [
      e('report', 'reports', 'a chart of product usage over time', ['metric', 'from', 'to', 'groupBy']),
      e('funnel', 'funnels', 'conversion through a sequence of steps', ['steps', 'from', 'to']),
      e('cohort', 'cohorts', 'a group of users sharing a trait', ['definition', 'size']),
    ],
  },
  {
    name: 'marketing',
    title: 'Marketing',
    system: 'the marketing automation',
    entities: [
      e('campaign', 'campaigns', 'a coordinated email or ad push', [
        'channel',
        'audienceId',
        'budgetCents',
        'startsAt',
      ]),
      e('audience', 'audiences', 'a segment of contacts to target', ['filter', 'size']),
      e('landing_page', 'landing pages', 'a web page a campaign sends visitors to', [
        'slug',
        'headline',
        'published',
      ]),
    ],
  },
  {
    name: 'chat',
    title: 'Chat',
    system: 'the team chat',
    entities: [
      e('channel', 'channels', 'a conversation room for a team or topic', ['name', 'private', 'topic']),
      e('chat_message', 'chat messages', 'a message posted in a channel', ['channelId', 'text', 'threadId']),
      e('user_group', 'user groups', 'a handle that mentions several people', ['handle', 'members']),
    ],
  },
  {
    name: 'repo',
    title: 'Code hosting',
    system: 'the code hosting service',
    entities: [
      e('pull_request', 'pull requests', 'a proposed change to a repository', [
        'repository',
        'sourceBranch',
        'targetBranch',
        'reviewers',
      ]),
      e('branch', 'branches', 'a line of development in a repository', ['repository', 'name', 'protected']),
      e('issue', 'issues', 'a bug report or task in a repository', [
        'repository',
        'labels',
        'assignee',
        'state',
      ]),
    ],
  },
  {
    name: 'flags',
    title: 'Feature flags',
    system: 'the feature flag service',
    entities: [
      e('flag', 'feature flags', 'a switch that turns a feature on for some users', [
        'key',
        'environment',
        'enabled',
        'rolloutPercent',
      ]),
      e('segment', 'segments', 'a set of users a flag can target', ['key', 'rules']),
    ],
  },
  {
    name: 'secrets',
    title: 'Secrets',
    system: 'the secrets vault',
    entities: [
      e('secret', 'secrets', 'a password, token or key kept encrypted', ['path', 'version', 'rotationDays']),
      e('access_policy', 'access policies', 'who may read which secret paths', [
        'pathPrefix',
        'principals',
        'capabilities',
      ]),
    ],
  },
  {
    name: 'iam',
    title: 'Identity',
    system: 'the identity provider',
    entities: [
      e('user', 'user accounts', 'a login for a person', ['email', 'displayName', 'mfaEnabled', 'groups']),
      e('group', 'groups', 'a set of users granted the same access', ['name', 'members']),
      e('api_token', 'API tokens', 'a credential a script uses to call APIs', [
        'ownerId',
        'scopes',
        'expiresAt',
      ]),
    ],
  },
  {
    name: 'cdn',
    title: 'CDN',
    system: 'the content delivery network',
    entities: [
      e('cache_entry', 'cached entries', 'a copy of a URL served from the edge', [
        'urlPattern',
        'ttlSeconds',
      ]),
      e('certificate', 'certificates', 'a TLS certificate for a hostname', [
        'hostname',
        'issuer',
        'expiresAt',
      ]),
    ],
  },
];
