/**
 * Attacks on the filesystem provider, through the gateway, against the real provider on a real
 * directory. Each test is named after the attack it replays.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filesystemTools, loadRoots } from '@mcp-fleet/provider-filesystem';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { type Fleet, startFleet } from './support.js';

type ToolResult = {
  content: { type: string; text?: string }[];
  isError?: boolean;
  structuredContent?: unknown;
};

/** A word-only line: `^(\w+\s?)*\x01$` backtracks 2^40 times over it. */
const WORDY_LINE = 'a'.repeat(40);
/** A name with no Z: the glob `**?**?…Z` built as a backtracking regex tries every split of it. */
const LONG_NAME = 'b'.repeat(60);

describe('filesystem attacks through the gateway', () => {
  let fleet: Fleet;
  let client: Client;
  let base: string;
  let root: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'mcpfleet-fs-attacks-'));
    root = join(base, 'data');
    await mkdir(join(base, 'other/full'), { recursive: true });
    await mkdir(join(root, 'words'), { recursive: true });
    await writeFile(join(base, 'sibling.txt'), 'beside the root');
    await writeFile(join(base, 'other/full/keep.txt'), 'keep');
    await symlink('../other', join(root, 'to-other'));
    await symlink('../other/full/keep.txt', join(root, 'probe-present'));
    await symlink('../other/full/absent.txt', join(root, 'probe-absent'));
    await writeFile(join(root, 'words/lines.txt'), `${`${WORDY_LINE}\n`.repeat(50)}`);
    await writeFile(join(root, 'amplify.txt'), 'a'.repeat(60_000));
    for (let i = 0; i < 20; i++) await writeFile(join(root, `${LONG_NAME}${i}`), 'x');
    // A read-only root whose given path runs through links inside the writable root.
    await mkdir(join(base, 'pubreal'));
    await writeFile(join(base, 'pubreal/notice.txt'), 'official notice');
    await mkdir(join(root, 'store'));
    await symlink('store', join(root, 'storelink'));
    await symlink('../../pubreal', join(root, 'store/pub'));
    fleet = await startFleet([
      {
        name: 'filesystem',
        definitions: filesystemTools({
          roots: await loadRoots(`${root}:rw,${root}/storelink/pub`),
          maxRead: 65_536,
          maxWrite: 65_536,
        }),
      },
    ]);
    client = new Client({ name: 'filesystem-attacks', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(fleet.url)));
  });
  after(async () => {
    await client.close();
    await fleet.close();
    await rm(base, { recursive: true, force: true });
  });

  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name: `filesystem_${name}`, arguments: args })) as ToolResult;
  const text = (r: ToolResult) => r.content.map((c) => c.text ?? '').join('\n');
  const parentIntact = async () => {
    assert.equal(await readFile(join(base, 'sibling.txt'), 'utf8'), 'beside the root');
    assert.equal(await readFile(join(base, 'other/full/keep.txt'), 'utf8'), 'keep');
    assert.ok((await stat(root)).isDirectory(), 'the root itself is still there');
  };

  it('delete of .. with recursive is refused and leaves the root and its parent intact', async () => {
    const result = await call('delete', { path: '..', recursive: true });
    assert.equal(result.isError, true, text(result));
    assert.match(text(result), /outside the allowed roots/);
    await parentIntact();
  });

  it('delete of <root>/.. with recursive is refused and leaves the root and its parent intact', async () => {
    const result = await call('delete', { path: `${root}/..`, recursive: true });
    assert.equal(result.isError, true, text(result));
    await parentIntact();
  });

  it('delete of the root itself, recursive or not, is refused', async () => {
    for (const path of [root, '.', `${root}/`, `${root}/words/..`]) {
      const result = await call('delete', { path, recursive: true });
      assert.equal(result.isError, true, `${path}: ${text(result)}`);
      assert.match(text(result), /is a root/);
    }
    await parentIntact();
  });

  it('delete outside the root does not leak whether the target exists', async () => {
    // Pairs that differ only in whether the outside target exists: the answers must be the same.
    const pairs: [string, string][] = [
      ['../other/full', '../other/none'],
      ['to-other/full', 'to-other/none'],
      ['to-other/full/keep.txt', 'to-other/full/none.txt'],
      ['probe-present/x', 'probe-absent/x'],
    ];
    for (const [present, absent] of pairs) {
      const a = await call('delete', { path: present });
      const b = await call('delete', { path: absent });
      assert.equal(a.isError, true, text(a));
      assert.equal(text(a).replaceAll(present, '<path>'), text(b).replaceAll(absent, '<path>'));
      assert.doesNotMatch(text(a), /not empty|does not exist/);
    }
    const [present, absent] = [
      await call('read_text', { path: 'probe-present' }),
      await call('read_text', { path: 'probe-absent' }),
    ];
    assert.equal(
      text(present).replace('probe-present', '<path>'),
      text(absent).replace('probe-absent', '<path>'),
    );
    await parentIntact();
  });

  it('read-only root replaced through a link alias: deleting the link on its path is refused', async () => {
    const given = `${root}/storelink/pub`;
    for (const path of [`${root}/store/pub`, 'store', 'storelink']) {
      const result = await call('delete', { path, recursive: true });
      assert.equal(result.isError, true, `${path}: ${text(result)}`);
      assert.match(text(result), /root/);
    }
    const moved = await call('move', { from: 'store/pub', to: 'elsewhere' });
    assert.equal(moved.isError, true, text(moved));
    await call('mkdir', { path: 'store/pub' });
    const written = await call('write', { path: `${given}/notice.txt`, content: 'attacker content' });
    assert.equal(written.isError, true, text(written));
    assert.match(text(written), /read-only root/);
    const read = await call('read_text', { path: `${given}/notice.txt` });
    assert.equal(text(read), 'official notice');
  });

  it('edit amplification: 100 replaceAll edits of one character are refused, the provider keeps serving', async () => {
    const edits = Array.from({ length: 100 }, () => ({ oldText: 'a', newText: 'a', replaceAll: true }));
    const [amplified, statResult] = await Promise.all([
      call('edit', { path: 'amplify.txt', dryRun: true, edits }),
      call('stat', { path: 'words' }),
    ]);
    assert.equal(amplified.isError, true, text(amplified).slice(0, 200));
    assert.match(text(amplified), /more than \d+ replacements/);
    assert.equal((statResult.structuredContent as { type: string }).type, 'directory');
  });

  /**
   * Runs a hostile call and a stat at once. With a backtracking engine the hostile call holds the
   * event loop and neither answers; both must complete, the hostile one with a plain result.
   */
  const alongsideStat = async (tool: string, args: Record<string, unknown>) => {
    const [hostile, statResult] = await Promise.all([call(tool, args), call('stat', { path: 'words' })]);
    assert.equal((statResult.structuredContent as { type: string }).type, 'directory');
    assert.equal(hostile.isError, undefined, text(hostile));
    return hostile.structuredContent as { matches: unknown[] };
  };

  it('catastrophic regex in grep: the provider keeps answering, and the grep ends', async () => {
    const grep = await alongsideStat('grep', { path: '.', pattern: '^(\\w+\\s?)*\\x01$' });
    assert.deepEqual(grep.matches, []);
  });

  it('catastrophic glob in find: the provider keeps answering, and the find ends', async () => {
    const find = await alongsideStat('find', { path: '.', pattern: `${'**?'.repeat(30)}Z` });
    assert.deepEqual(find.matches, []);
  });

  it('a regular expression the linear-time engine cannot run is refused as invalid params', async () => {
    for (const pattern of ['(?=a)a', '(a)\\1', 'a(?<!b)']) {
      await assert.rejects(
        client.callTool({ name: 'filesystem_grep', arguments: { path: '.', pattern } }),
        (err: unknown) =>
          err instanceof McpError && err.code === ErrorCode.InvalidParams && /RE2/.test(err.message),
      );
    }
    const still = await call('stat', { path: 'words' });
    assert.equal(still.isError, undefined, 'the provider still serves');
  });
});
