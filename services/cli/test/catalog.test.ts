import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, startTestFleet, type TestFleet } from './fleet.js';

/** A pin of ev_echo that no longer matches the everything provider's definition: a held change. */
const STALE_PINS = {
  everything: {
    echo: {
      digest: 'sha256:stale',
      definition: { name: 'echo', description: 'the definition an operator once accepted' },
      acceptedAt: '2026-01-01T00:00:00.000Z',
      acceptedBy: 'test',
    },
  },
};

/** An accept of the everything provider with a digest no definition has. */
const STALE_PROVIDER_ACCEPT = [
  'catalog',
  'accept',
  'everything',
  '--digest',
  `echo=sha256:${'0'.repeat(64)}`,
];

describe('mcp-fleet catalog diff | accept', () => {
  let fleet: TestFleet;
  let env: Record<string, string>;

  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-cli-pins-'));
    const pinsFile = join(dir, 'pins.json');
    await writeFile(pinsFile, JSON.stringify(STALE_PINS));
    fleet = await startTestFleet({
      env: {
        MCPFLEET_PINS_FILE: pinsFile,
        MCPFLEET_CATALOG_OPERATOR_ROLES: 'local',
        // The provider's other tools have no pin in the file: pinned on sight, so echo is the one change.
        MCPFLEET_PINNING_NEW_TOOLS: 'allow',
      },
    });
    env = { MCP_FLEET_URL: `${fleet.http}/mcp` };
  });
  after(async () => {
    await fleet?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('diff lists the held change with the pinned and the current definition; accept serves it', async () => {
    const held = await cli(env, 'call', 'ev_echo', '--arg', 'text=hi');
    assert.equal(held.code, 1, held.stderr);
    assert.match(held.stderr, /provider everything is withheld/);
    const diff = await cli(env, 'catalog', 'diff');
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /^everything\/echo \(ev_echo\): changed, withheld$/m);
    assert.match(diff.stdout, /the definition an operator once accepted/);
    assert.match(diff.stdout, /Returns the given text unchanged/);
    const digest = /current \((sha256:[0-9a-f]{64})\)/.exec(diff.stdout)?.[1] ?? '';
    assert.match(
      diff.stdout,
      new RegExp(`mcp-fleet catalog accept everything --digest echo=${digest}$`, 'm'),
    );
    const staleProvider = await cli(env, ...STALE_PROVIDER_ACCEPT);
    assert.equal(
      staleProvider.code,
      2,
      'a provider accept with digests not the current ones accepts nothing',
    );
    const stale = await cli(
      env,
      'catalog',
      'accept',
      'everything/echo',
      '--digest',
      `sha256:${'0'.repeat(64)}`,
    );
    assert.equal(stale.code, 2, 'a digest that is not the current one accepts nothing');
    assert.match(stale.stderr, /changed since it was reviewed/);
    const accepted = await cli(env, 'catalog', 'accept', 'everything/echo', '--digest', digest);
    assert.deepEqual([accepted.code, accepted.stdout], [0, 'accepted everything: echo\n'], accepted.stderr);
    const served = await cli(env, 'call', 'ev_echo', '--arg', 'text=hi');
    assert.deepEqual([served.code, served.stdout], [0, 'hi\n'], served.stderr);
    const clean = await cli(env, '--output', 'json', 'catalog', 'diff');
    assert.deepEqual(JSON.parse(clean.stdout), { differences: [] });
  });

  it('bad usage exits 2', async () => {
    assert.equal((await cli(env, 'catalog', 'accept')).code, 2);
    assert.equal(
      (await cli(env, 'catalog', 'accept', 'everything')).code,
      2,
      'a provider accept needs the digests',
    );
    assert.equal((await cli(env, 'catalog', 'frobnicate')).code, 2);
  });

  it('a digest cut short is named as such, not answered with the general shape', async () => {
    const short = await cli(env, 'catalog', 'accept', 'everything', '--digest', 'echo=sha256:3f2a');
    assert.equal(short.code, 2, short.stderr);
    assert.match(
      short.stderr,
      /the digest of "echo": "sha256:3f2a" is not a digest \(sha256: and 64 lowercase hex/,
    );
    const tool = await cli(env, 'catalog', 'accept', 'everything/echo', '--digest', 'sha256:3F2A');
    assert.equal(tool.code, 2, tool.stderr);
    assert.match(tool.stderr, /"sha256:3F2A" is not a digest/);
  });
});

describe('mcp-fleet catalog without an operator role', () => {
  let fleet: TestFleet;
  before(async () => {
    fleet = await startTestFleet();
  });
  after(() => fleet?.close());

  it('is refused (exit 4): no operator role is configured by default', async () => {
    const env = { MCP_FLEET_URL: `${fleet.http}/mcp` };
    const refused = await cli(env, ...STALE_PROVIDER_ACCEPT);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /catalog operator role/);
    assert.equal((await cli(env, 'catalog', 'diff')).code, 4);
  });
});
