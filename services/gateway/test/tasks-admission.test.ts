import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { type KeyedFleet, startKeyedFleet } from './keyed-fleet.js';
import { redisUrl } from './redis-support.js';
import { resultOf, send, waitForStatus } from './task-client.js';

const ALLOW = `roles:
  caller: { tools: { allow: ["*"] } }
  slow: { tools: { allow: ["*"] }, rateLimit: { perSecond: 0.01, burst: 3 } }
`;
const REVOKED = `roles:
  caller: { tools: { deny: ["*"] } }
  slow: { tools: { allow: ["*"] }, rateLimit: { perSecond: 0.01, burst: 3 } }
`;

/** Attack 19 hole 3: tasks/* checked no policy and spent no rate limit. */
describe('tasks/* are admitted as their caller', () => {
  // Rate limits live in the shared Redis by principal: a subject of this run's own.
  const carol = `carol-${randomUUID().slice(0, 8)}`;
  let keyed: KeyedFleet;
  let url: string;

  before(async () => {
    keyed = await startKeyedFleet(
      [{ name: 'everything', prefix: '', definitions }],
      { alice: ['caller'], [carol]: ['slow'] },
      ALLOW,
      { REDIS_URL: redisUrl(), MCPFLEET_TASK_POLL_INTERVAL: '250ms' },
    );
    url = keyed.fleet.url;
  });
  after(() => keyed.close());

  const confirmDelete = (who: string, filename: string) =>
    resultOf(
      send(
        url,
        'tools/call',
        { name: 'confirm_delete', arguments: { filename } },
        { headers: keyed.as(who) },
      ),
    );

  it('tasks/update of a caller whose policy was revoked is Forbidden and the task does not run on', async () => {
    const taskId = String((await confirmDelete('alice', 'prod.db')).taskId);
    const asking = await waitForStatus(url, taskId, ['input_required'], keyed.as('alice'));
    const [key] = Object.keys(asking.inputRequests as object);
    await keyed.setPolicy(REVOKED);
    const update = await send(
      url,
      'tasks/update',
      { taskId, inputResponses: { [key as string]: { action: 'accept', content: { confirm: true } } } },
      { headers: keyed.as('alice') },
    );
    assert.equal(update.error?.code, ErrorCode.Forbidden, JSON.stringify(update));
    const task = await resultOf(send(url, 'tasks/get', { taskId }, { headers: keyed.as('alice') }));
    assert.equal(task.status, 'input_required', 'tasks/get still answers the revoked caller');
    await resultOf(send(url, 'tasks/cancel', { taskId }, { headers: keyed.as('alice') }));
  });

  it('tasks/get and tasks/cancel spend the caller rate limit, before the task is looked up', async () => {
    const taskId = String((await confirmDelete(carol, 'x')).taskId);
    const answers = [];
    for (let i = 0; i < 10; i++)
      answers.push(await send(url, 'tasks/get', { taskId }, { headers: keyed.as(carol) }));
    const limited = answers.filter((answer) => answer.error?.code === ErrorCode.RateLimited);
    assert.ok(limited.length >= 7, `only ${limited.length} of 10 tasks/get were rate-limited`);
    const cancel = await send(url, 'tasks/cancel', { taskId }, { headers: keyed.as(carol) });
    assert.equal(cancel.error?.code, ErrorCode.RateLimited);
    const probe = await send(url, 'tasks/get', { taskId: randomUUID() }, { headers: keyed.as(carol) });
    assert.equal(probe.error?.code, ErrorCode.RateLimited, 'probing unknown task ids spends it too');
  });
});
