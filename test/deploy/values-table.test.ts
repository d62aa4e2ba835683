import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readmeTable, valuesTable } from './values-table.js';

describe('README values table', () => {
  it('matches helm/mcp-fleet/values.schema.json and values.yaml (bash scripts/helm-values-table.sh rewrites it)', () => {
    const expected = valuesTable();
    assert.ok(expected.split('\n').length > 40, 'a row per value');
    assert.equal(readmeTable(), expected);
  });
});
