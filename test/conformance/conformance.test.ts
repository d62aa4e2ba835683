import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Scored scenarios of each requirement set of @modelcontextprotocol/conformance 0.2.0-alpha.12. */
const SCORED = { '2026-07-28': 37, '2025-11-25': 30 };

describe('official MCP conformance suite (make conformance)', () => {
  it('passes both requirement sets, 2026-07-28 and 2025-11-25, against the gateway + everything provider', () => {
    const run = spawnSync('bash', ['scripts/conformance.sh'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, output);
    for (const [set, scored] of Object.entries(SCORED)) {
      const verdict = new RegExp(
        `conformance ${set}: passed \\(Total: (\\d+) passed, (\\d+) failed; (\\d+) scored`,
      ).exec(output);
      assert.ok(verdict, `no verdict for ${set} in:\n${output}`);
      assert.equal(Number(verdict[3]), scored, `${set} scores ${scored} scenarios`);
    }
    // 2025-11-25 has nothing expected to fail: every check of it passes, as the 80 did before.
    const legacy = /conformance 2025-11-25: passed \(Total: (\d+) passed, (\d+) failed/.exec(output);
    assert.equal(Number(legacy?.[2]), 0, output);
    assert.ok(Number(legacy?.[1]) >= 80, `expected at least 80 passing checks, got ${legacy?.[1]}`);
  });
});
