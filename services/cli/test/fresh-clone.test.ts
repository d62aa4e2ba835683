import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestFleet, type TestFleet } from './fleet.js';

const run = promisify(execFile);
const REPOSITORY = fileURLToPath(new URL('../../../../', import.meta.url));

/**
 * The README's first steps on a clone that never built anything: `make dev` installs the
 * workspace (npm ci) and then compiles (tsc -b), so whatever `npx mcp-fleet` needs must be linked
 * by npm ci before dist/ exists. The clone builds only the CLI's own projects, to keep the time
 * down; the fleet it talks to runs from this checkout's build.
 */
describe("the README's first commands on a fresh clone", () => {
  let clone: string;
  let fleet: TestFleet;

  before(async () => {
    clone = await mkdtemp(join(tmpdir(), 'mcpfleet-clone-'));
    await run('git', ['clone', '--quiet', '--no-hardlinks', REPOSITORY, clone]);
    await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: clone,
      maxBuffer: 16 * 1024 * 1024,
    });
    fleet = await startTestFleet();
  });
  after(async () => {
    await fleet?.close();
    if (clone) await rm(clone, { recursive: true, force: true });
  });

  it('npm ci links mcp-fleet before anything is built, and after tsc -b `npx mcp-fleet tools` lists the tools', async () => {
    await run('npx', ['tsc', '-b', 'services/cli'], { cwd: clone });
    const { stdout } = await run(
      'npx',
      ['--no-install', 'mcp-fleet', '--url', `${fleet.http}/mcp`, 'tools'],
      {
        cwd: clone,
        env: { ...process.env, MCP_FLEET_URL: '' },
      },
    );
    assert.match(stdout, /ev_echo/);
  });
});
