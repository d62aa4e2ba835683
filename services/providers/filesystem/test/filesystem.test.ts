import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { link, mkdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resultOf, runCall, startProvider, type TestProvider, toolCall } from '@mcp-fleet/sdk/testing';
import { applyEdits } from '../src/edits.js';
import { filesystemTools, loadRoots } from '../src/provider.js';
import { PNG, type Result, SECRET } from './support.js';

describe('filesystem provider', () => {
  // Created now, not in before(): the attack table below names paths under it.
  const base = mkdtempSync(join(tmpdir(), 'mcpfleet-fs-'));
  const root = join(base, 'root');
  let server: TestProvider;

  before(async () => {
    for (const dir of ['root/sub', 'root-secret', 'outside', 'ro'])
      await mkdir(join(base, dir), { recursive: true });
    await writeFile(join(base, 'outside/secret.txt'), SECRET);
    await writeFile(join(base, 'root-secret/secret.txt'), SECRET);
    await writeFile(join(base, 'ro/readme.txt'), 'read me');
    await writeFile(join(root, 'ok.txt'), 'line 1\nline 2\nline 3\nline 4\n');
    await writeFile(join(root, 'sub/inner.txt'), 'needle here\nhay\nneedle again\n');
    await writeFile(join(root, 'crlf.txt'), 'alpha\r\nbeta\r\ngamma\r\n');
    await writeFile(join(root, 'twice.txt'), 'x = 1\nx = 1\n');
    await writeFile(join(root, 'pixel.png'), PNG);
    await symlink('../outside/secret.txt', join(root, 'link-file'));
    await symlink('../outside', join(root, 'link-dir'));
    await symlink('chain2', join(root, 'chain1'));
    await symlink('../outside/secret.txt', join(root, 'chain2'));
    await symlink('../outside/new.txt', join(root, 'dangling'));
    await symlink('loop2', join(root, 'loop1'));
    await symlink('loop1', join(root, 'loop2'));
    await symlink('/dev/zero', join(root, 'zero'));
    await link(join(base, 'outside/secret.txt'), join(root, 'hard'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
    await writeFile(join(root, 'huge.bin'), '');
    await truncate(join(root, 'huge.bin'), 64 * 1024 * 1024);
    const roots = await loadRoots(`${root}:rw,${join(base, 'ro')}`);
    server = await startProvider(filesystemTools({ roots, maxRead: 1024 * 1024, maxWrite: 1024 * 1024 }));
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true, force: true });
  });

  const call = async (tool: string, args: Record<string, unknown>) =>
    resultOf(await runCall(server.client, toolCall(tool, args))) as Result;
  const text = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');
  const refused = async (tool: string, args: Record<string, unknown>, reason: RegExp) => {
    const result = await call(tool, args);
    assert.equal(result.isError, true, `${tool} ${JSON.stringify(args)} should be refused: ${text(result)}`);
    assert.match(text(result), reason);
    assert.ok(!text(result).includes(SECRET), 'no secret leaks');
    // Only the caller's own words may name a place outside the roots (a link target never does).
    if (!JSON.stringify(args).includes(join(base, 'outside'))) {
      assert.ok(!text(result).includes(join(base, 'outside')), 'no outside path leaks');
    }
  };
  const secretIntact = async () =>
    assert.equal(await readFile(join(base, 'outside/secret.txt'), 'utf8'), SECRET);

  it('reads text whole and in parts, relative to the first root or absolute', async () => {
    assert.equal(text(await call('read_text', { path: 'ok.txt' })), 'line 1\nline 2\nline 3\nline 4\n');
    assert.equal(
      text(await call('read_text', { path: join(root, 'ok.txt'), offset: 1, limit: 2 })),
      'line 2\nline 3',
    );
    assert.equal(text(await call('read_text', { path: 'ok.txt', head: 1 })), 'line 1');
    assert.equal(text(await call('read_text', { path: 'ok.txt', tail: 2 })), 'line 4\n');
  });

  const escapes: [string, string, Record<string, unknown>, RegExp][] = [
    ['../ traversal', 'read_text', { path: '../outside/secret.txt' }, /outside the allowed roots/],
    [
      'deep ../ traversal',
      'read_text',
      { path: 'sub/../../outside/secret.txt' },
      /outside the allowed roots/,
    ],
    ['an absolute path outside', 'read_text', { path: '/etc/passwd' }, /outside the allowed roots/],
    [
      'the prefix sibling directory',
      'read_text',
      { path: `${root}-secret/secret.txt` },
      /outside the allowed roots/,
    ],
    ['a symlinked file pointing out', 'read_text', { path: 'link-file' }, /outside the allowed roots/],
    [
      'a file under a symlinked directory',
      'read_text',
      { path: 'link-dir/secret.txt' },
      /outside the allowed roots/,
    ],
    ['a symlink chain', 'read_text', { path: 'chain1' }, /outside the allowed roots/],
    ['a hard link to an outside file', 'read_text', { path: 'hard' }, /several hard links/],
    ['a symlink loop', 'read_text', { path: 'loop1' }, /symbolic link loop/],
    ['/dev/zero through a symlink', 'read_text', { path: 'zero' }, /outside the allowed roots/],
    ['a FIFO (would block)', 'read_text', { path: 'fifo' }, /only regular files/],
    ['a huge file', 'read_text', { path: 'huge.bin' }, /over the read limit/],
    ['a NUL byte', 'read_text', { path: 'ok.txt\u0000.png' }, /NUL/],
    ['a very long path', 'read_text', { path: `${'a'.repeat(300)}/x` }, /path too long/],
    ['a glob leaving its base', 'find', { path: '.', pattern: '../**' }, /may not leave its base/],
    ['an absolute glob', 'find', { path: '.', pattern: '/**' }, /may not leave its base/],
    [
      'writing through a dangling symlink',
      'write',
      { path: 'dangling', content: 'x' },
      // The name is a link, not a plain file: it is never written, nor through.
      /not a regular file/,
    ],
    [
      'writing under a symlinked parent',
      'write',
      { path: 'link-dir/new.txt', content: 'x' },
      /outside the allowed roots/,
    ],
    [
      'writing over a symlink',
      'write',
      { path: 'link-file', content: 'pwned' },
      /outside the allowed roots|not a regular file/,
    ],
    ['writing over a hard link', 'write', { path: 'hard', content: 'pwned' }, /several hard links/],
    [
      'writing in a read-only root',
      'write',
      { path: join(base, 'ro/readme.txt'), content: 'x' },
      /read-only root/,
    ],
    [
      'moving a file out of the roots',
      'move',
      { from: 'ok.txt', to: join(base, 'outside/stolen.txt') },
      /outside the allowed roots/,
    ],
    [
      'copying an outside file in',
      'copy',
      { from: join(base, 'outside/secret.txt'), to: 'copied.txt' },
      /outside the allowed roots/,
    ],
    [
      'copying through a symlink',
      'copy',
      { from: 'link-file', to: 'copied.txt' },
      /outside the allowed roots/,
    ],
    ['deleting outside', 'delete', { path: '../outside/secret.txt' }, /outside the allowed roots/],
  ];
  for (const [what, tool, args, reason] of escapes) {
    it(`refuses ${what}`, async () => {
      await refused(tool, args, reason);
      await secretIntact();
    });
  }

  it('treats ~, %2e%2e and a trailing /. as plain names inside the root', async () => {
    await refused('read_text', { path: '~/.bashrc' }, /does not exist|not a directory/);
    await refused('read_text', { path: '%2e%2e/outside/secret.txt' }, /does not exist|not a directory/);
    assert.equal((await call('list', { path: 'sub/.' })).isError, undefined);
  });

  it('stat reports a symlink as a symlink without following it', async () => {
    const result = await call('stat', { path: 'link-file' });
    assert.equal(result.structuredContent?.type, 'symlink');
    assert.ok(!text(result).includes('outside'));
  });

  it('writes atomically and guards against lost updates', async () => {
    const written = await call('write', { path: 'notes/../new.txt', content: 'v1' });
    assert.equal(written.isError, undefined, text(written));
    const hash = written.structuredContent?.sha256 as string;
    await writeFile(join(root, 'new.txt'), 'changed behind its back');
    const stale = await call('write', { path: 'new.txt', content: 'v2', expectedSha256: hash });
    assert.equal(stale.isError, true);
    assert.match(text(stale), /changed since it was read/);
    assert.equal(await readFile(join(root, 'new.txt'), 'utf8'), 'changed behind its back');
  });

  it('a symlink swapped in for the file just before the write is replaced, never followed', async () => {
    await writeFile(join(root, 'swap.txt'), 'original');
    await rm(join(root, 'swap.txt'));
    await symlink('../outside/secret.txt', join(root, 'swap.txt'));
    const result = await call('write', { path: 'swap.txt', content: 'pwned' });
    assert.equal(result.isError, true);
    await secretIntact();
  });

  it('edits: exact match, 0 and 2 matches refused, replaceAll, dry run diff, CRLF kept', async () => {
    const none = await call('edit', { path: 'ok.txt', edits: [{ oldText: 'line 9', newText: 'x' }] });
    assert.match(text(none), /oldText not found/);
    const two = await call('edit', { path: 'twice.txt', edits: [{ oldText: 'x = 1', newText: 'x = 2' }] });
    assert.match(text(two), /matches 2 times/);
    const all = await call('edit', {
      path: 'twice.txt',
      edits: [{ oldText: 'x = 1', newText: 'x = 2', replaceAll: true }],
    });
    assert.equal(all.isError, undefined);
    assert.equal(await readFile(join(root, 'twice.txt'), 'utf8'), 'x = 2\nx = 2\n');
    const dry = await call('edit', {
      path: 'ok.txt',
      edits: [{ oldText: 'line 2', newText: 'LINE TWO' }],
      dryRun: true,
    });
    assert.match(
      text(dry),
      /^--- a\/ok.txt\n\+\+\+ b\/ok.txt\n@@ -1,5 \+1,5 @@\n line 1\n-line 2\n\+LINE TWO\n line 3/,
    );
    assert.equal(
      await readFile(join(root, 'ok.txt'), 'utf8'),
      'line 1\nline 2\nline 3\nline 4\n',
      'a dry run writes nothing',
    );
    await call('edit', { path: 'crlf.txt', edits: [{ oldText: 'alpha\nbeta', newText: 'ALPHA\nBETA' }] });
    assert.equal(await readFile(join(root, 'crlf.txt'), 'utf8'), 'ALPHA\r\nBETA\r\ngamma\r\n');
    assert.equal(await applyEdits('a\r\nb', [{ oldText: 'a\r\nb', newText: 'c' }]), 'c');
  });

  it('lists, walks, finds and greps without entering symlinked directories', async () => {
    const listed = (await call('list', { path: '.' })).structuredContent?.entries as {
      name: string;
      type: string;
    }[];
    assert.ok(listed.some((e) => e.name === 'link-dir' && e.type === 'symlink'));
    const walked = (await call('tree', { path: '.', maxDepth: 5, exclude: ['huge.bin'] })).structuredContent
      ?.entries as { path: string }[];
    assert.ok(!walked.some((e) => e.path.startsWith('link-dir/')), 'symlinked directory not entered');
    assert.ok(!walked.some((e) => e.path === 'huge.bin'));
    const found = (await call('find', { path: '.', pattern: '**/*.txt' })).structuredContent
      ?.matches as string[];
    assert.ok(found.includes('sub/inner.txt') && found.includes('ok.txt'));
    assert.ok(!found.some((f) => f.includes('secret')));
    const grepped = (await call('grep', { path: '.', pattern: 'needle', context: 1 })).structuredContent
      ?.matches as { path: string; line: number; after: string[] }[];
    assert.deepEqual(
      grepped.map((m) => [m.path, m.line]),
      [
        ['sub/inner.txt', 1],
        ['sub/inner.txt', 3],
      ],
    );
    assert.deepEqual(grepped[0]?.after, ['hay']);
    const capped = await call('grep', { path: '.', pattern: 'needle', maxMatches: 1 });
    assert.equal(capped.structuredContent?.truncated, true);
    const secretSearch = await call('grep', { path: '.', pattern: 'TOP-SECRET' });
    assert.deepEqual(secretSearch.structuredContent?.matches, [], 'grep does not read through links');
  });

  it('reads media as base64 with its type, and several files each with its own outcome', async () => {
    const media = await call('read_media', { path: 'pixel.png' });
    assert.equal(media.content[0]?.type, 'image');
    assert.equal(media.content[0]?.mimeType, 'image/png');
    assert.deepEqual(Buffer.from(media.content[0]?.data ?? '', 'base64'), PNG);
    const many = (await call('read_many', { paths: ['ok.txt', 'link-file', 'missing.txt'] }))
      .structuredContent?.files as { path: string; text?: string; error?: string }[];
    assert.equal(many[0]?.text?.startsWith('line 1'), true);
    assert.match(many[1]?.error ?? '', /outside the allowed roots/);
    assert.match(many[2]?.error ?? '', /does not exist/);
  });

  it('mkdir, copy and move refuse to overwrite unless asked; delete is recursive only when asked', async () => {
    assert.equal((await call('mkdir', { path: 'made/deep' })).isError, undefined);
    assert.equal((await call('copy', { from: 'ok.txt', to: 'made/copy.txt' })).isError, undefined);
    assert.match(text(await call('copy', { from: 'ok.txt', to: 'made/copy.txt' })), /exists: set overwrite/);
    assert.equal(
      (await call('move', { from: 'made/copy.txt', to: 'made/deep/moved.txt' })).isError,
      undefined,
    );
    assert.match(text(await call('delete', { path: 'made' })), /not empty: set recursive/);
    assert.equal((await call('delete', { path: 'made', recursive: true })).isError, undefined);
    await assert.rejects(stat(join(root, 'made')));
    assert.equal(
      (await call('delete', { path: 'link-dir' })).isError,
      undefined,
      'deleting a link removes the link only',
    );
    await secretIntact();
    assert.match(text(await call('delete', { path: root })), /is a root: it cannot be deleted/);
  });

  it('narrows to the roots a client shares (intersection), never widens', async () => {
    const shared = `file://${join(root, 'sub')}`;
    const ask = async (path: string) =>
      resultOf(
        await runCall(server.client, toolCall('read_text', { path }, { capabilities: { roots: {} } }), {
          onFrame(frame, stream) {
            if (frame.frame === 'request' && frame.request) {
              stream.write({
                response: {
                  id: frame.request.id,
                  resultJson: Buffer.from(
                    JSON.stringify({ roots: [{ uri: shared }, { uri: 'file:///etc' }] }),
                  ),
                },
              });
            }
            if (frame.frame === 'result' || frame.frame === 'error') stream.end();
          },
        }),
      ) as Result;
    assert.match(text(await ask('sub/inner.txt')), /needle here/);
    const outsideShare = await ask('ok.txt');
    assert.equal(outsideShare.isError, true);
    assert.match(text(outsideShare), /outside the roots this client shared/);
    assert.equal(
      (await ask('/etc/passwd')).isError,
      true,
      'a client root outside the configured roots adds nothing',
    );
  });
});
