import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, FleetError } from '@mcp-fleet/contract';
import { stringParam } from '../src/index.js';

describe('stringParam', () => {
  it('returns a string parameter, empty included', () => {
    assert.equal(stringParam({ name: 'echo' }, 'name'), 'echo');
    assert.equal(stringParam({ uri: '' }, 'uri'), '');
  });

  it('answers anything else with invalid params naming the key', () => {
    for (const params of [{}, { name: 7 }, { name: null }, { name: ['echo'] }]) {
      assert.throws(
        () => stringParam(params, 'name'),
        (err: unknown) =>
          err instanceof FleetError &&
          err.code === ErrorCode.InvalidParams &&
          err.message === 'params.name must be a string',
      );
    }
  });
});
