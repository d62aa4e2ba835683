import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { defineTool } from '@mcp-fleet/sdk';
import { generateApiKey } from '../src/auth/api-keys.js';
import { type AuditLine, auditLines } from './audit-lines.js';
import { redisUrl } from './redis-support.js';
import { type Fleet, startFleet } from './support.js';
import { resultOf, send, textOf, waitForStatus } from './task-client.js';

const POLICY = `roles:
  caller: { tools: { allow: ["*"] }, prompts: { allow: ["*"] }, resources: { allow: ["*"] } }
`;

/** The calls of `held` whose handler runs, and why each ended, as its handler saw its abort signal. */
const started: string[] = [];
const aborts: string[] = [];

/** Runs until it is cancelled, and records that its abort signal reached it. */
const held = defineTool({
  name: 'held',
  description: 'Waits for its abort signal.',
  inputSchema: { type: 'object' },
  taskSupport: 'optional',
  async handler(_args, ctx) {
    started.push(ctx.identity.subject);
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    aborts.push(String((ctx.signal.reason as Error)?.message ?? ctx.signal.reason));
    return 'aborted';
  },
});

describe('tasks extension (SEP-2663) across two replicas sharing Redis', () => {
  const keys = { alice: generateApiKey('alice'), bob: generateApiKey('bob') };
  const as = (who: keyof typeof keys) => ({ authorization: `Bearer ${keys[who].key}` });
  let fleet: Fleet;
  let dir: string;
  let a: string;
  let b: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-tasks-'));
    const entry = (id: keyof typeof keys) =>
      `  - { id: ${id}, hash: "${keys[id].hash}", subject: ${id}, roles: [caller] }`;
    await writeFile(join(dir, 'auth.yaml'), ['apiKeys:', entry('alice'), entry('bob')].join('\n'));
    await writeFile(join(dir, 'policy.yaml'), POLICY);
    fleet = await startFleet(
      [
        { name: 'everything', prefix: '', definitions },
        { name: 'lab', definitions: [held] },
      ],
      {
        REDIS_URL: redisUrl(),
        MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
        MCPFLEET_POLICY_FILE: join(dir, 'policy.yaml'),
        MCPFLEET_TASK_POLL_INTERVAL: '250ms',
        MCPFLEET_MAX_TASKS_PER_SUBJECT: '3',
      },
      [],
      2,
    );
    [a, b] = fleet.urls as [string, string];
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (url: string, name: string, args: Record<string, unknown> = {}) => {
    const created = await resultOf(
      send(url, 'tools/call', { name, arguments: args }, { headers: as('alice') }),
    );
    assert.equal(created.resultType, 'task', JSON.stringify(created));
    return created;
  };

  it('server/discover advertises the extension', async () => {
    const discovered = await resultOf(send(a, 'server/discover', {}, { headers: as('alice') }));
    const capabilities = discovered.capabilities as Record<string, Record<string, unknown>>;
    assert.deepEqual(capabilities.extensions, { 'io.modelcontextprotocol/tasks': {} });
  });

  it('a slow tool runs as a task created on one replica and polled to completion on the other', async () => {
    const created = await start(a, 'slow_compute', { seconds: 1, label: 'across' });
    assert.equal(created.status, 'working');
    assert.equal(created.pollIntervalMs, 250);
    assert.ok(Number.isInteger(created.ttlMs) && (created.ttlMs as number) > 0);
    for (const absent of ['result', 'error', 'inputRequests', 'requestState'])
      assert.ok(!(absent in created), `no ${absent} on a CreateTaskResult`);
    const taskId = String(created.taskId);
    const working = await resultOf(send(b, 'tasks/get', { taskId }, { headers: as('alice') }));
    assert.equal(working.taskId, taskId, 'readable at once from the other replica');
    const done = await waitForStatus(b, taskId, ['completed', 'failed', 'cancelled'], as('alice'));
    assert.equal(done.status, 'completed');
    assert.equal(done.resultType, 'complete');
    assert.match(textOf(done.result), /across/);
  });

  it('tasks/cancel sent to the other replica reaches the handler; the task reads cancelled', async () => {
    const taskId = String((await start(a, 'lab_held')).taskId);
    await waitForStatus(b, taskId, ['working'], as('alice'));
    for (let i = 0; i < 100 && started.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(started.length, 1, 'the handler runs');
    const ack = await resultOf(send(b, 'tasks/cancel', { taskId }, { headers: as('alice') }));
    assert.equal(ack.resultType, 'complete');
    assert.ok(!('status' in ack) && !('taskId' in ack), 'an empty ack');
    const ended = await waitForStatus(a, taskId, ['completed', 'failed', 'cancelled'], as('alice'));
    assert.equal(ended.status, 'cancelled');
    for (let i = 0; i < 50 && aborts.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(aborts.length, 1, 'the handler saw its abort signal');
    const again = await resultOf(send(a, 'tasks/cancel', { taskId }, { headers: as('alice') }));
    assert.equal(again.resultType, 'complete', 'cancel is idempotent on a terminal task');
    assert.equal((await waitForStatus(b, taskId, ['cancelled'], as('alice'))).status, 'cancelled');
  });

  it('audits who created and who cancelled a task', async () => {
    const taskId = String((await start(a, 'lab_held')).taskId);
    await resultOf(send(b, 'tasks/cancel', { taskId }, { headers: as('alice') }));
    await waitForStatus(a, taskId, ['cancelled'], as('alice'));
    const ofTask = (all: AuditLine[]) => all.filter((line) => line.task === taskId);
    const lines = ofTask(await auditLines(join(fleet.dir, 'audit.log'), (all) => ofTask(all).length >= 2));
    assert.deepEqual(
      lines.map((line) => [line.audit, line.subject, line.target, line.outcome]),
      [
        ['task_created', 'alice', 'lab_held', 'ok'],
        ['task_cancelled', 'alice', 'lab_held', 'ok'],
      ],
    );
  });

  it('a caller runs at most MCPFLEET_MAX_TASKS_PER_SUBJECT tasks per replica; ending one frees its place', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(String((await start(a, 'lab_held')).taskId));
    const refused = await send(
      a,
      'tools/call',
      { name: 'lab_held', arguments: {} },
      { headers: as('alice') },
    );
    assert.equal(refused.error?.code, ErrorCode.RateLimited);
    assert.deepEqual(refused.error?.data, { limit: 3 });
    const other = await resultOf(
      send(a, 'tools/call', { name: 'lab_held', arguments: {} }, { headers: as('bob') }),
    );
    assert.equal(other.resultType, 'task', "another caller's share is its own");
    await resultOf(send(a, 'tasks/cancel', { taskId: other.taskId }, { headers: as('bob') }));
    await resultOf(send(a, 'tasks/cancel', { taskId: ids[0] }, { headers: as('alice') }));
    await waitForStatus(a, String(ids[0]), ['cancelled'], as('alice'));
    for (let i = 0; i < 50; i++) {
      const again = await send(
        a,
        'tools/call',
        { name: 'lab_held', arguments: {} },
        { headers: as('alice') },
      );
      if (again.result?.taskId) {
        ids.push(String(again.result.taskId));
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(ids.length, 4, 'a place was freed by the cancelled task');
    for (const taskId of ids.slice(1)) await send(a, 'tasks/cancel', { taskId }, { headers: as('alice') });
  });

  it('a task asking for input shows input_required; tasks/update on the other replica answers it', async () => {
    const taskId = String((await start(a, 'multi_input')).taskId);
    const asking = await waitForStatus(b, taskId, ['input_required'], as('alice'));
    const waiting = asking.inputRequests as Record<string, { method: string }>;
    assert.deepEqual(Object.keys(waiting).sort(), ['first', 'second']);
    assert.equal(waiting.first?.method, 'elicitation/create');
    const answer = (name: string) => ({ action: 'accept', content: { name } });
    const ack = await resultOf(
      send(
        b,
        'tasks/update',
        { taskId, inputResponses: { first: answer('A'), unknown: {} } },
        { headers: as('alice') },
      ),
    );
    assert.equal(ack.resultType, 'complete');
    const partial = await resultOf(send(a, 'tasks/get', { taskId }, { headers: as('alice') }));
    assert.equal(partial.status, 'input_required');
    assert.deepEqual(Object.keys(partial.inputRequests as object), ['second'], 'the answered key is gone');
    await resultOf(
      send(b, 'tasks/update', { taskId, inputResponses: { second: answer('B') } }, { headers: as('alice') }),
    );
    const done = await waitForStatus(b, taskId, ['completed', 'failed'], as('alice'));
    assert.equal(textOf(done.result), 'Got A and B');
  });

  it('answers sent back to back, one key each, while the call is between rounds, complete the task', async () => {
    for (let i = 0; i < 5; i++) {
      const taskId = String((await start(a, 'multi_input')).taskId);
      await waitForStatus(b, taskId, ['input_required'], as('alice'));
      const answer = (key: string) => ({ [key]: { action: 'accept', content: { name: key } } });
      // Both to the replica running the call: the second lands while it gathers its next round.
      await resultOf(
        send(a, 'tasks/update', { taskId, inputResponses: answer('first') }, { headers: as('alice') }),
      );
      await resultOf(
        send(a, 'tasks/update', { taskId, inputResponses: answer('second') }, { headers: as('alice') }),
      );
      const done = await waitForStatus(b, taskId, ['completed', 'failed', 'cancelled'], as('alice'));
      assert.equal(textOf(done.result), 'Got first and second');
    }
  });

  it('refuses malformed answers (-32602) and keeps the task waiting for good ones', async () => {
    const taskId = String((await start(a, 'confirm_delete', { filename: 'f.txt' })).taskId);
    const asking = await waitForStatus(b, taskId, ['input_required'], as('alice'));
    const [key] = Object.keys(asking.inputRequests as object);
    for (const inputResponses of [{ [String(key)]: { action: 'maybe' } }, 'not-an-object']) {
      const refused = await send(b, 'tasks/update', { taskId, inputResponses }, { headers: as('alice') });
      assert.equal(refused.error?.code, ErrorCode.InvalidParams, JSON.stringify(inputResponses));
    }
    const huge = await send(a, 'tasks/get', { taskId: 'x'.repeat(10_000) }, { headers: as('alice') });
    assert.equal(huge.error?.code, ErrorCode.InvalidParams);
    assert.equal(
      (await resultOf(send(a, 'tasks/get', { taskId }, { headers: as('alice') }))).status,
      'input_required',
    );
    const confirm = { [String(key)]: { action: 'accept', content: { confirm: true } } };
    await resultOf(send(b, 'tasks/update', { taskId, inputResponses: confirm }, { headers: as('alice') }));
    const done = await waitForStatus(a, taskId, ['completed', 'failed'], as('alice'));
    assert.equal(textOf(done.result), 'Deleted f.txt');
    const metrics = await (await fetch(a.replace(/\/mcp$/, '/metrics'))).text();
    assert.match(metrics, /mcpfleet_tasks_total\{event="created"\} [1-9]/);
    assert.match(metrics, /mcpfleet_tasks_total\{event="completed"\} [1-9]/);
  });

  it('a tool error completes the task with isError; a protocol error fails it with the error inlined', async () => {
    const failing = String((await start(a, 'failing_job')).taskId);
    const broken = String((await start(b, 'protocol_error_job')).taskId);
    const toolError = await waitForStatus(b, failing, ['completed', 'failed'], as('alice'));
    assert.equal(toolError.status, 'completed');
    assert.equal((toolError.result as { isError?: boolean }).isError, true);
    const protocolError = await waitForStatus(a, broken, ['completed', 'failed'], as('alice'));
    assert.equal(protocolError.status, 'failed');
    assert.equal((protocolError.error as { code: number }).code, ErrorCode.InternalError);
    assert.ok(!('result' in protocolError));
  });

  it('input gathered before the task (input_required round) then a task with it', async () => {
    const first = await send(
      a,
      'tools/call',
      { name: 'test_tool_with_task', arguments: {} },
      { headers: as('alice') },
    );
    assert.equal(first.result?.resultType, 'input_required');
    assert.ok(!('taskId' in (first.result ?? {})));
    const second = await resultOf(
      send(
        b,
        'tools/call',
        {
          name: 'test_tool_with_task',
          arguments: {},
          inputResponses: { user_name: { action: 'accept', content: { name: 'Zed' } } },
          requestState: first.result?.requestState,
        },
        { headers: as('alice') },
      ),
    );
    assert.equal(second.resultType, 'task');
    assert.ok(!('requestState' in second));
    const done = await waitForStatus(a, String(second.taskId), ['completed', 'failed'], as('alice'));
    assert.match(textOf(done.result), /Zed/);
  });

  it('another caller is told the task does not exist, exactly as for an unknown id', async () => {
    const taskId = String((await start(a, 'slow_compute', { seconds: 5 })).taskId);
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
      const foreign = await send(b, method, { taskId, inputResponses: {} }, { headers: as('bob') });
      const unknown = await send(
        b,
        method,
        { taskId: 'no-such-task', inputResponses: {} },
        { headers: as('bob') },
      );
      assert.equal(foreign.error?.code, ErrorCode.InvalidParams, method);
      assert.equal(foreign.error?.message, unknown.error?.message, `${method}: indistinguishable`);
    }
    const still = await resultOf(send(a, 'tasks/get', { taskId }, { headers: as('alice') }));
    assert.equal(still.status, 'working', "bob's cancel did nothing");
    await send(a, 'tasks/cancel', { taskId }, { headers: as('alice') });
  });

  it('refuses what the extension refuses: -32021, -32602, -32601', async () => {
    const plain = { elicitation: {} };
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
      const refused = await send(
        a,
        method,
        { taskId: 'x', inputResponses: {} },
        { caps: plain, headers: as('alice') },
      );
      assert.equal(refused.error?.code, ErrorCode.MissingClientCapability, method);
      assert.equal(refused.status, 400);
    }
    const required = await send(
      a,
      'tools/call',
      { name: 'failing_job', arguments: {} },
      { caps: plain, headers: as('alice') },
    );
    assert.equal(required.error?.code, ErrorCode.MissingClientCapability);
    assert.deepEqual(required.error?.data, {
      requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } },
    });
    const sync = await resultOf(
      send(
        a,
        'tools/call',
        { name: 'slow_compute', arguments: { seconds: 0 } },
        { caps: plain, headers: as('alice') },
      ),
    );
    assert.equal(sync.resultType, 'complete', 'no task for a client that did not opt in');
    const unknown = await send(a, 'tasks/get', { taskId: 'tasks-unknown' }, { headers: as('alice') });
    assert.equal(unknown.error?.code, ErrorCode.InvalidParams);
    for (const method of ['tasks/result', 'tasks/list']) {
      const removed = await send(a, method, { taskId: 'x' }, { headers: as('alice') });
      assert.equal(removed.error?.code, ErrorCode.MethodNotFound, method);
    }
    const greeted = await resultOf(
      send(a, 'tools/call', { name: 'greet', arguments: { name: 'W' } }, { headers: as('alice') }),
    );
    assert.equal(textOf(greeted), 'Hello, W!', 'a tool without task support answers as always');
  });
});

describe('tasks extension on one gateway without Redis (tasks in memory)', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }]);
  });
  after(() => fleet.close());

  it('creates, polls and cancels tasks from its own memory', async () => {
    const created = await resultOf(
      send(fleet.url, 'tools/call', { name: 'slow_compute', arguments: { seconds: 0, label: 'mem' } }),
    );
    assert.equal(created.resultType, 'task');
    const done = await waitForStatus(fleet.url, String(created.taskId), ['completed', 'failed']);
    assert.match(textOf(done.result), /mem/);
    const long = await resultOf(
      send(fleet.url, 'tools/call', { name: 'slow_compute', arguments: { seconds: 600 } }),
    );
    await resultOf(send(fleet.url, 'tasks/cancel', { taskId: long.taskId }));
    assert.equal((await waitForStatus(fleet.url, String(long.taskId), ['cancelled'])).status, 'cancelled');
  });
});
