import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { defineTool } from '@mcp-fleet/sdk';
import { Redis } from 'ioredis';
import { type KeyedFleet, startKeyedFleet } from './keyed-fleet.js';
import { redisUrl } from './redis-support.js';
import { resultOf, send, waitForStatus } from './task-client.js';

const big = defineTool({
  name: 'big',
  description: 'Answers as many bytes as asked.',
  inputSchema: { type: 'object', properties: { size: { type: 'number' } } },
  taskSupport: 'optional',
  handler: (args) => 'x'.repeat(Number(args.size)),
});

/** Attack 19 hole 6 (task records unbounded), and task keys under their own prefix. */
describe('task records are bounded per caller and in size, under MCPFLEET_TASKS_PREFIX', () => {
  const prefix = `test-tasks-${randomUUID()}:`;
  let keyed: KeyedFleet;
  let redis: Redis;

  before(async () => {
    keyed = await startKeyedFleet(
      [{ name: 'lab', definitions: [big] }],
      { alice: ['caller'] },
      'roles:\n  caller: { tools: { allow: ["*"] } }\n',
      {
        REDIS_URL: redisUrl(),
        MCPFLEET_MAX_TASKS_PER_SUBJECT: '2',
        MCPFLEET_MAX_TASK_RECORDS_PER_SUBJECT: '5',
        MCPFLEET_MAX_TASK_RESULT_BYTES: '4096',
        MCPFLEET_TASKS_PREFIX: prefix,
      },
    );
    redis = new Redis(redisUrl());
  });
  after(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await keyed.close();
  });

  const call = (size: number) =>
    send(
      keyed.fleet.url,
      'tools/call',
      { name: 'lab_big', arguments: { size } },
      { headers: keyed.as('alice') },
    );
  const settled = (taskId: string) =>
    waitForStatus(keyed.fleet.url, taskId, ['completed', 'failed'], keyed.as('alice'));

  it('a result over the size limit ends the task failed with a typed error, its result not kept', async () => {
    const taskId = String((await resultOf(call(16 * 1024))).taskId);
    const task = await settled(taskId);
    assert.equal(task.status, 'failed');
    assert.equal((task.error as { code: number }).code, ErrorCode.TaskResultTooLarge);
    const stored = await redis.get(`${prefix}task:${taskId}`);
    assert.ok(stored && stored.length < 4096, 'the record is stored under the prefix, without the result');
    assert.equal(await redis.exists(`mcpfleet:task:${taskId}`), 0);
  });

  it('finished tasks count: past the per-caller record cap a new task is refused', async () => {
    const answers = [];
    for (let i = 0; i < 8; i++) {
      const answer = await call(10);
      answers.push(answer);
      if (answer.result?.taskId)
        assert.equal((await settled(String(answer.result.taskId))).status, 'completed');
    }
    const created = answers.filter((answer) => answer.result?.taskId).length;
    assert.equal(created, 4, 'five records in all, one of them the first test');
    const refused = answers.filter((answer) => answer.error?.code === ErrorCode.RateLimited);
    assert.equal(refused.length, 4);
    assert.match(String(refused[0]?.error?.message), /task records/);
  });
});
