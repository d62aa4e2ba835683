import type { ConfigSpec } from '@mcp-fleet/runtime';

/**
 * Config keys of the tasks extension, spread into the gateway's spec (`mcp-fleet-gateway --help`
 * prints them with the others).
 */
export const tasksConfigSpec = {
  taskTtl: {
    kind: 'duration',
    env: 'MCPFLEET_TASK_TTL',
    flag: 'task-ttl',
    default: 3_600_000,
    doc: 'how long a task (tasks extension) and its record live: its call is cancelled past it, tasks/get then answers unknown',
  },
  taskPollInterval: {
    kind: 'duration',
    env: 'MCPFLEET_TASK_POLL_INTERVAL',
    flag: 'task-poll-interval',
    default: 1_000,
    doc: 'the pollIntervalMs tasks suggest to clients',
  },
  maxTasksPerSubject: {
    kind: 'int',
    env: 'MCPFLEET_MAX_TASKS_PER_SUBJECT',
    flag: 'max-tasks-per-subject',
    default: 32,
    min: 1,
    doc: 'tasks one caller may have running on one replica; beyond it a call that would become a task is refused as rate-limited',
  },
  maxTaskRecordsPerSubject: {
    kind: 'int',
    env: 'MCPFLEET_MAX_TASK_RECORDS_PER_SUBJECT',
    flag: 'max-task-records-per-subject',
    default: 128,
    min: 1,
    doc: 'task records one caller may have stored, finished tasks included until their ttl ends; beyond it a call that would become a task is refused as rate-limited',
  },
  maxTaskResultBytes: {
    kind: 'int',
    env: 'MCPFLEET_MAX_TASK_RESULT_BYTES',
    flag: 'max-task-result-bytes',
    default: 256 * 1024,
    min: 1024,
    doc: 'largest result a task keeps (bytes of its JSON); a larger one ends the task failed with -32050',
  },
  tasksPrefix: {
    kind: 'string',
    env: 'MCPFLEET_TASKS_PREFIX',
    flag: 'tasks-prefix',
    default: 'mcpfleet:',
    doc: 'Redis key and channel prefix of tasks (records, leases, orders); replicas sharing tasks must share it',
  },
  taskLease: {
    kind: 'duration',
    env: 'MCPFLEET_TASK_LEASE',
    flag: 'task-lease',
    default: 15_000,
    doc: 'how long a replica may stay silent (it renews its lease every third of it) before the tasks it runs read failed on the others',
  },
} as const satisfies ConfigSpec;
