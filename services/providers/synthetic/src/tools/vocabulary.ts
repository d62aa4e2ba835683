/** An entity a business system manages, with the fields its tools take. */
export interface Entity {
  /** snake_case singular, as it appears in tool names. */
  name: string;
  plural: string;
  /** What it is, in the words of someone who uses it. */
  gloss: string;
  fields: readonly string[];
}

export interface Domain {
  name: string;
  title: string;
  system: string;
  entities: readonly Entity[];
}

const e = (name: string, plural: string, gloss: string, fields: string[]): Entity => ({
  name,
  plural,
  gloss,
  fields,
});

/** The systems a platform team typically fronts with tools: the synthetic catalog's vocabulary. */
export const DOMAINS: readonly Domain[] = [
  {
    name: 'billing',
    title: 'Billing',
    system: 'the billing system',
    entities: [
      e('invoice', 'invoices', 'a bill sent to a customer', [
        'customerId',
        'amountCents',
        'currency',
        'dueDate',
        'status',
      ]),
      e('credit_note', 'credit notes', 'a correction that reduces what a customer owes', [
        'invoiceId',
        'amountCents',
        'reason',
      ]),
      e('subscription', 'subscriptions', "a customer's recurring plan", [
        'customerId',
        'planId',
        'renewsAt',
        'seats',
      ]),
    ],
  },
  {
    name: 'payments',
    title: 'Payments',
    system: 'the payment processor',
    entities: [
      e('charge', 'charges', 'money taken from a card or account', [
        'customerId',
        'amountCents',
        'currency',
        'cardLast4',
      ]),
      e('refund', 'refunds', 'money given back for a charge', ['chargeId', 'amountCents', 'reason']),
      e('payout', 'payouts', 'a transfer of settled funds to the bank', [
        'bankAccountId',
        'amountCents',
        'arrivalDate',
      ]),
    ],
  },
  {
    name: 'crm',
    title: 'CRM',
    system: 'the customer relationship manager',
    entities: [
      e('contact', 'contacts', 'a person the sales team talks to', [
        'email',
        'fullName',
        'companyId',
        'phone',
      ]),
      e('deal', 'deals', 'a sales opportunity in the pipeline', [
        'companyId',
        'stage',
        'valueCents',
        'ownerId',
      ]),
      e('company', 'companies', 'an organisation that buys or may buy', [
        'domain',
        'industry',
        'employeeCount',
      ]),
    ],
  },
  {
    name: 'inventory',
    title: 'Inventory',
    system: 'the warehouse inventory',
    entities: [
      e('stock_item', 'stock items', 'a product kept on warehouse shelves', [
        'sku',
        'warehouseId',
        'quantity',
        'binLocation',
      ]),
      e('warehouse', 'warehouses', 'a building that stores goods', ['region', 'capacity', 'managerId']),
      e('purchase_order', 'purchase orders', 'an order placed with a supplier to restock', [
        'supplierId',
        'sku',
        'quantity',
        'expectedDate',
      ]),
    ],
  },
  {
    name: 'shipping',
    title: 'Shipping',
    system: 'the shipping carrier integration',
    entities: [
      e('shipment', 'shipments', 'a parcel on its way to a customer', [
        'orderId',
        'carrier',
        'trackingNumber',
        'weightGrams',
      ]),
      e('label', 'labels', 'a printable carrier label for a parcel', ['shipmentId', 'format', 'carrier']),
      e('return_request', 'return requests', 'a customer asking to send goods back', [
        'orderId',
        'reason',
        'condition',
      ]),
    ],
  },
  {
    name: 'hr',
    title: 'HR',
    system: 'the human resources system',
    entities: [
      e('employee', 'employees', 'a person on the payroll', [
        'employeeId',
        'department',
        'managerId',
        'startDate',
      ]),
      e('time_off', 'time off requests', 'vacation or sick leave someone asked for', [
        'employeeId',
        'startDate',
        'endDate',
        'kind',
      ]),
      e('payslip', 'payslips', "a month's salary statement", ['employeeId', 'month', 'grossCents']),
    ],
  },
  {
    name: 'calendar',
    title: 'Calendar',
    system: 'the shared calendar',
    entities: [
      e('event', 'events', 'a meeting or appointment on a calendar', [
        'calendarId',
        'startsAt',
        'endsAt',
        'attendees',
        'location',
      ]),
      e('room', 'rooms', 'a meeting room that can be booked', ['building', 'floor', 'capacity']),
    ],
  },
  {
    name: 'mail',
    title: 'Mail',
    system: 'the email service',
    entities: [
      e('message', 'messages', 'an email in a mailbox', ['mailbox', 'from', 'subject', 'receivedAfter']),
      e('draft', 'drafts', 'an email being written, not yet sent', ['to', 'subject', 'body']),
      e('mailing_list', 'mailing lists', 'a group address that fans out to members', [
        'address',
        'members',
        'moderated',
      ]),
    ],
  },
  {
    name: 'tickets',
    title: 'Helpdesk',
    system: 'the helpdesk',
    entities: [
      e('ticket', 'tickets', 'a support case opened by a customer', [
        'requesterEmail',
        'priority',
        'assigneeId',
        'status',
        'tags',
      ]),
      e('macro', 'macros', 'a canned reply agents apply to tickets', ['title', 'actions']),
      e('sla_policy', 'SLA policies', 'response-time targets per priority', [
        'priority',
        'firstResponseMinutes',
      ]),
    ],
  },
  {
    name: 'wiki',
    title: 'Wiki',
    system: 'the internal wiki',
    entities: [
      e('page', 'pages', 'a document in the knowledge base', ['spaceKey', 'title', 'parentId', 'labels']),
      e('space', 'spaces', 'a section of the wiki owned by a team', ['key', 'ownerTeam']),
      e('comment', 'comments', 'a remark left on a wiki page', ['pageId', 'author', 'text']),
    ],
  },
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
