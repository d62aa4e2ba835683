import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, FleetError } from '@mcp-fleet/contract';
import { honour, readListenFilter } from '../src/subscriptions/listen-filter.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof FleetError ? err.code : undefined;
  }
  return undefined;
};

describe('the subscriptions/listen filter', () => {
  it('keeps the types asked for (true only) and each URI once', () => {
    const filter = readListenFilter(
      {
        notifications: {
          toolsListChanged: true,
          promptsListChanged: false,
          resourceSubscriptions: ['a://1', 'a://1', 'a://2'],
          somethingNew: true,
        },
      },
      {},
    );
    assert.deepEqual(filter, { toolsListChanged: true, resourceSubscriptions: ['a://1', 'a://2'] });
  });

  it('refuses a missing or malformed filter with InvalidParams, task ids without the extension with -32021', () => {
    assert.equal(
      codeOf(() => readListenFilter({}, {})),
      ErrorCode.InvalidParams,
    );
    assert.equal(
      codeOf(() => readListenFilter({ notifications: { toolsListChanged: 'yes' } }, {})),
      ErrorCode.InvalidParams,
    );
    assert.equal(
      codeOf(() => readListenFilter({ notifications: { resourceSubscriptions: [1] } }, {})),
      ErrorCode.InvalidParams,
    );
    assert.equal(
      codeOf(() => readListenFilter({ notifications: { taskIds: ['t'] } }, {})),
      ErrorCode.MissingClientCapability,
    );
    const withTasks = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
    assert.deepEqual(readListenFilter({ notifications: { taskIds: ['t'] } }, withTasks), {});
  });

  it('honours the list changes and only the URIs the caller may read, omitting what is left empty', () => {
    const asked = { toolsListChanged: true as const, resourceSubscriptions: ['a://open', 'a://secret'] };
    assert.deepEqual(
      honour(asked, (uri) => uri === 'a://open'),
      { toolsListChanged: true, resourceSubscriptions: ['a://open'] },
    );
    assert.deepEqual(
      honour(asked, () => false),
      { toolsListChanged: true },
    );
  });
});
