import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

describe('official MCP conformance suite', () => {
  it('passes every server scenario, active and pending, against the gateway + everything provider', () => {
    const run = spawnSync('bash', ['scripts/conformance.sh'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, output);
    const total = /Total: (\d+) passed, (\d+) failed/.exec(output);
    assert.ok(total, `no summary in:\n${output}`);
    assert.equal(Number(total[2]), 0, output);
    assert.ok(Number(total[1]) >= 46, `expected at least 46 passing checks, got ${total[1]}`);
  });
});
