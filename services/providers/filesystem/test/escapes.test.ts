/**
 * Every tool against every way out of a root. Each row rebuilds the fixture, runs one call, and
 * asserts both the outcome (refused, or allowed because it only touches a name inside the root)
 * and that nothing outside the writable root changed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { link, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resultOf, runCall, startProvider, type TestProvider, toolCall } from '@mcp-fleet/sdk/testing';
import { filesystemTools, loadRoots } from '../src/provider.js';
import { PNG, type Result, SECRET, snapshot } from './support.js';

const base = mkdtempSync(join(tmpdir(), 'mcpfleet-fs-escapes-'));
const root = join(base, 'root');
const outside = join(base, 'outside');

/** The same tree before every row: a writable root, nested roots, and things outside to attack. */
async function buildFixture(): Promise<void> {
  await rm(base, { recursive: true, force: true });
  for (const dir of [
    'root/sub',
    'root/nested',
    'root/deep/nested2',
    'root/data',
    'outside/dir',
    'root-secret',
    'ro',
    'pubreal',
  ])
    await mkdir(join(base, dir), { recursive: true });
  await writeFile(join(outside, 'secret.txt'), SECRET);
  await writeFile(join(outside, 'secret.png'), PNG);
  await writeFile(join(outside, 'dir/deep.txt'), SECRET);
  await writeFile(join(base, 'root-secret/secret.txt'), SECRET);
  await writeFile(join(base, 'ro/readme.txt'), 'read me');
  await writeFile(join(root, 'victim.txt'), 'victim');
  await writeFile(join(root, 'sub/inner.txt'), 'inner');
  await writeFile(join(root, 'nested/keep.txt'), 'keep');
  await symlink('../outside/secret.txt', join(root, 'link-file'));
  await symlink('../outside/secret.png', join(root, 'link.png'));
  await symlink('../outside', join(root, 'link-dir'));
  await symlink('../outside/missing.txt', join(root, 'dangling'));
  await link(join(outside, 'secret.txt'), join(root, 'hard'));
  await link(join(outside, 'secret.png'), join(root, 'hard.png'));
  // A read-only root reached through links inside the writable root: root/datalink/pub.
  await writeFile(join(base, 'pubreal/notice.txt'), 'published');
  await symlink('data', join(root, 'datalink'));
  await symlink('../../pubreal', join(root, 'data/pub'));
  // `..` after a link: the kernel resolves it in outside/, a textual resolution in the root.
  await symlink('../outside/dir', join(root, 'esc'));
  await symlink('esc/../secret.txt', join(root, 'probe-present'));
  await symlink('esc/../absent.txt', join(root, 'probe-absent'));
}

/**
 * What must never change: everything but the writable root's own content (nested roots included,
 * and every entry on the way to one).
 */
const guarded = () =>
  snapshot(
    base,
    (relative) =>
      relative.startsWith('root/') && !/^root\/(nested|deep\/nested2|data|datalink)(\/|$)/.test(relative),
  );

/** The path forms, each with a file flavour (reads, writes) and a directory flavour (listings). */
interface Form {
  name: string;
  file: string;
  dir: string;
  /** Tools for which this form is not an escape: allowed, and must still leave the outside intact. */
  allowed?: string[];
}

const FORMS: Form[] = [
  { name: '..', file: '..', dir: '..' },
  { name: '<root>/..', file: `${root}/..`, dir: `${root}/..` },
  { name: '../ into a sibling', file: '../outside/secret.txt', dir: '../outside' },
  { name: 'an absolute path outside', file: join(outside, 'secret.txt'), dir: outside },
  { name: 'the prefix sibling', file: `${root}-secret/secret.txt`, dir: `${root}-secret` },
  { name: 'a symlinked parent', file: 'link-dir/secret.txt', dir: 'link-dir/dir' },
  {
    name: 'a symlink pointing out',
    file: 'link-file',
    dir: 'link-dir',
    // Acting on the link's own name (stat it, delete it, rename it) never reaches its target.
    allowed: ['stat', 'delete', 'delete a file', 'move from'],
  },
  {
    name: 'a dangling symlink pointing out',
    file: 'dangling',
    dir: 'dangling',
    allowed: ['stat', 'delete', 'delete a file', 'move from'],
  },
  {
    name: 'a hard link to an outside file',
    file: 'hard',
    dir: 'hard',
    // The name is in the root: stat, delete or rename it; its content is never read or written.
    allowed: ['stat', 'delete', 'delete a file', 'move from'],
  },
  {
    name: 'the root itself',
    file: root,
    dir: root,
    allowed: ['list', 'tree', 'find', 'grep', 'stat', 'mkdir'],
  },
  { name: 'the root as .', file: '.', dir: '.', allowed: ['list', 'tree', 'find', 'grep', 'stat', 'mkdir'] },
  {
    name: 'a nested read-only root',
    file: 'nested/keep.txt',
    dir: 'nested',
    allowed: ['read_text', 'read_many', 'list', 'tree', 'find', 'grep', 'stat', 'copy from'],
  },
  {
    name: 'a directory holding a root',
    file: 'deep',
    dir: 'deep',
    allowed: ['list', 'tree', 'find', 'grep', 'stat', 'mkdir'],
  },
  {
    name: 'a link whose target climbs out with ..',
    file: 'probe-present',
    dir: 'probe-present',
    allowed: ['stat', 'delete', 'delete a file', 'move from'],
  },
  {
    name: 'a link that leads to a read-only root',
    file: 'data/pub/notice.txt',
    dir: 'data/pub',
    allowed: ['read_text', 'read_many', 'list', 'tree', 'find', 'grep', 'stat', 'copy from'],
  },
  {
    name: 'a link on the way to a read-only root',
    file: 'datalink',
    dir: 'datalink',
    allowed: ['list', 'tree', 'find', 'grep', 'stat'],
  },
  {
    name: 'a directory holding a link to a read-only root',
    file: 'data',
    dir: 'data',
    allowed: ['list', 'tree', 'find', 'grep', 'stat', 'mkdir'],
  },
];

/** Each tool with the arguments that aim one path at the target. */
const TOOLS: [string, string, (file: string, dir: string) => Record<string, unknown>][] = [
  ['read_text', 'read_text', (file) => ({ path: file })],
  ['read_media', 'read_media', (file) => ({ path: asMedia(file) })],
  ['read_many', 'read_many', (file) => ({ paths: [file] })],
  ['list', 'list', (_file, dir) => ({ path: dir })],
  ['tree', 'tree', (_file, dir) => ({ path: dir, maxDepth: 5 })],
  ['find', 'find', (_file, dir) => ({ path: dir, pattern: '**' })],
  ['grep', 'grep', (_file, dir) => ({ path: dir, pattern: 'SECRET' })],
  ['stat', 'stat', (file) => ({ path: file })],
  ['write', 'write', (file) => ({ path: file, content: 'pwned' })],
  ['edit', 'edit', (file) => ({ path: file, edits: [{ oldText: 'T', newText: 'pwned', replaceAll: true }] })],
  ['mkdir', 'mkdir', (_file, dir) => ({ path: dir })],
  ['delete', 'delete', (_file, dir) => ({ path: dir, recursive: true })],
  ['delete a file', 'delete', (file) => ({ path: file })],
  ['move from', 'move', (_file, dir) => ({ from: dir, to: 'moved-here' })],
  ['move onto', 'move', (_file, dir) => ({ from: 'victim.txt', to: dir, overwrite: true })],
  ['move a file onto', 'move', (file) => ({ from: 'victim.txt', to: file, overwrite: true })],
  ['copy from', 'copy', (file) => ({ from: file, to: 'copied-here' })],
  ['copy onto', 'copy', (file) => ({ from: 'victim.txt', to: file, overwrite: true })],
];

/** The image flavour of a file form: the same attack, on a name read_media accepts. */
const asMedia = (file: string) =>
  file
    .replace(/secret\.txt$/, 'secret.png')
    .replace(/^hard$/, 'hard.png')
    .replace(/^link-file$/, 'link.png');

/** A row's outcome: a refusal names no secret and no outside place the caller did not name. */
function refusalText(result: Result): string | undefined {
  if (result.isError) return result.content.map((c) => c.text ?? '').join('\n');
  const files = result.structuredContent?.files as { error?: string }[] | undefined;
  return files?.[0]?.error;
}

describe('every filesystem tool against every escape form', () => {
  let server: TestProvider;

  before(async () => {
    await buildFixture();
    const roots = await loadRoots(
      `${root}:rw,${join(root, 'nested')},${join(root, 'deep/nested2')},${join(base, 'ro')},${join(root, 'datalink/pub')}`,
    );
    server = await startProvider(filesystemTools({ roots, maxRead: 65_536, maxWrite: 65_536 }));
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true, force: true });
  });

  const call = async (tool: string, args: Record<string, unknown>) =>
    resultOf(await runCall(server.client, toolCall(tool, args))) as Result;

  for (const form of FORMS) {
    for (const [label, tool, argsOf] of TOOLS) {
      const allowed = form.allowed?.includes(label) ?? false;
      it(`${label} ${form.name}: ${allowed ? 'touches only the root' : 'refused'}`, async () => {
        await buildFixture();
        const before = await guarded();
        const args = argsOf(form.file, form.dir);
        const result = await call(tool, args);
        const refusal = refusalText(result);
        if (allowed) assert.equal(refusal, undefined, `${tool} ${JSON.stringify(args)}: ${refusal}`);
        else {
          assert.ok(refusal, `${tool} ${JSON.stringify(args)} should be refused: ${JSON.stringify(result)}`);
          assert.ok(!refusal.includes(SECRET), 'no secret leaks');
          if (!JSON.stringify(args).includes(outside))
            assert.ok(!refusal.includes(outside), `no outside path leaks: ${refusal}`);
        }
        const whole = JSON.stringify(result);
        assert.ok(!whole.includes(SECRET), `nothing read from outside: ${whole}`);
        assert.ok(!whole.includes(Buffer.from(SECRET).toString('base64')), 'no outside bytes as base64');
        assert.deepEqual(await guarded(), before, 'nothing outside the writable root changed');
      });
    }
  }
});

describe('existence oracle through .. in a link target', () => {
  let server: TestProvider;
  before(async () => {
    await buildFixture();
    server = await startProvider(
      filesystemTools({ roots: await loadRoots(`${root}:rw`), maxRead: 65_536, maxWrite: 65_536 }),
    );
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true, force: true });
  });

  // Acting on the link's own name is allowed (see the table); every other tool must not tell.
  const nameOnly = ['stat', 'delete', 'delete a file', 'move from'];
  for (const [label, tool, argsOf] of TOOLS.filter(([label]) => !nameOnly.includes(label))) {
    it(`${label}: the same refusal whether the outside target exists or not`, async () => {
      const answer = async (name: string) => {
        const result = resultOf(await runCall(server.client, toolCall(tool, argsOf(name, name)))) as Result;
        const refusal = refusalText(result);
        assert.ok(refusal, `${tool} ${name} should be refused: ${JSON.stringify(result)}`);
        return refusal.replaceAll(name, '<probe>');
      };
      const present = await answer('probe-present');
      assert.equal(await answer('probe-absent'), present);
    });
  }
});

describe('a root reached through links', () => {
  it('is loaded with every entry on its way, each link as a name in its real parent', async () => {
    await buildFixture();
    const [, pub] = await loadRoots(`${root}:rw,${join(root, 'datalink/pub')}`);
    assert.equal(pub?.real, join(base, 'pubreal'));
    for (const entry of [join(root, 'datalink'), join(root, 'data'), join(root, 'data/pub'), pub?.real])
      assert.ok(pub?.way?.includes(entry as string), `${entry} in ${pub?.way}`);
    await rm(base, { recursive: true, force: true });
  });

  it('refuses to start with a root whose links loop', async () => {
    await buildFixture();
    await symlink('loop-b', join(root, 'loop-a'));
    await symlink('loop-a', join(root, 'loop-b'));
    await assert.rejects(loadRoots(join(root, 'loop-a')), /is not an existing directory/);
    await rm(base, { recursive: true, force: true });
  });
});
