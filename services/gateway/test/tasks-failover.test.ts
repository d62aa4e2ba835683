import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { type GatewayProcesses, startGatewayProcesses } from './gateway-processes.js';
import { redisUrl } from './redis-support.js';
import { resultOf, send, waitForStatus } from './task-client.js';

describe('a task whose replica dies (real gateway processes sharing Redis)', () => {
  let fleet: GatewayProcesses;

  before(async () => {
    fleet = await startGatewayProcesses(2, { REDIS_URL: redisUrl(), MCPFLEET_TASK_LEASE: '1500ms' });
  });
  after(async () => {
    await fleet?.close();
  });

  it('reads failed, with a clear error, from the survivor once the replica running it is SIGKILLed', async () => {
    const [doomed, survivor] = fleet.replicas.map(({ base }) => `${base}/mcp`) as [string, string];
    const created = await resultOf(
      send(doomed, 'tools/call', { name: 'slow_compute', arguments: { seconds: 600, label: 'doomed' } }),
    );
    assert.equal(created.resultType, 'task');
    const taskId = String(created.taskId);
    assert.equal((await resultOf(send(survivor, 'tasks/get', { taskId }))).status, 'working');
    const killed = fleet.replicas[0]?.process.child;
    killed?.kill('SIGKILL');
    await new Promise((resolve) => killed?.once('exit', resolve));
    const failed = await waitForStatus(survivor, taskId, ['failed', 'completed', 'cancelled']);
    assert.equal(failed.status, 'failed');
    const error = failed.error as { code: number; message: string };
    assert.equal(error.code, ErrorCode.InternalError);
    assert.match(error.message, /replica running this task stopped/);
    assert.ok(!('result' in failed));
    const cancel = await resultOf(send(survivor, 'tasks/cancel', { taskId }));
    assert.equal(cancel.resultType, 'complete', 'cancelling the failed task is an idempotent ack');
    assert.equal(
      (await resultOf(send(survivor, 'tasks/get', { taskId }))).status,
      'failed',
      'terminal for good',
    );
  });
});
