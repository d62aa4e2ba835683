/**
 * A symlink swapped in between the containment check and the use. The tools cannot be paused in
 * between, so these tests drive the same steps the tools take (locate, then act through the held
 * directory) and swap at the two moments that matter: after the check, and after the directory
 * is held.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { INTENT, loadRoots, locate, type Scope } from '@mcp-fleet/path-guard';
import { Anchor } from '../src/anchor.js';
import {
  atomicWrite,
  inParent,
  makeDirectories,
  openLocated,
  readLocated,
  removeTree,
} from '../src/files.js';
import { walk } from '../src/walk.js';
import { snapshot } from './support.js';

const base = mkdtempSync(join(tmpdir(), 'mcpfleet-fs-races-'));
const root = join(base, 'root');
const outside = join(base, 'outside');
const never = new AbortController().signal;

/** Replaces the directory `swap` in the root by a symlink to the outside directory. */
async function swapForLink(): Promise<void> {
  await rename(join(root, 'swap'), join(root, 'swap-was'));
  await symlink('../outside', join(root, 'swap'));
}

describe('a symlink swapped between check and use', () => {
  let scope: Scope;
  let before: string[];
  const outsideIntact = async () => assert.deepEqual(await snapshot(outside, () => false), before);

  beforeEach(async () => {
    await rm(base, { recursive: true, force: true });
    await mkdir(join(root, 'swap/inner'), { recursive: true });
    await mkdir(join(outside, 'inner'), { recursive: true });
    for (const dir of [join(root, 'swap'), outside]) {
      await writeFile(join(dir, 'victim.txt'), dir === outside ? 'outside' : 'inside');
      await writeFile(join(dir, 'inner/deep.txt'), dir === outside ? 'outside' : 'inside');
    }
    scope = { roots: await loadRoots(`${root}:rw`) };
    before = await snapshot(outside, () => false);
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('after the check: the held directory is refused, nothing outside is deleted or written', async () => {
    const victim = await locate(scope, 'swap/victim.txt', INTENT.replace);
    await swapForLink();
    await assert.rejects(
      inParent(victim, (dir) => unlink(dir.at(victim.name))),
      /changed while it was being used|does not exist/,
    );
    await assert.rejects(
      inParent(victim, (dir) => atomicWrite(dir, victim.name, Buffer.from('pwned'), true)),
    );
    await outsideIntact();
  });

  it('after the check: a read through the swapped parent is caught on the descriptor', async () => {
    const file = await locate(scope, 'swap/victim.txt', INTENT.read);
    await swapForLink();
    await assert.rejects(readLocated(file, 1024), /outside the allowed roots/);
    await assert.rejects(openLocated(file, 0), /outside the allowed roots/);
  });

  it('while the directory is held: delete, write and rename stay in the directory that was checked', async () => {
    const victim = await locate(scope, 'swap/victim.txt', INTENT.replace);
    await inParent(victim, async (dir) => {
      await swapForLink();
      await atomicWrite(dir, victim.name, Buffer.from('rewritten'), true);
      await removeTree(dir, 'inner', never);
    });
    await outsideIntact();
    assert.equal(await readFile(join(root, 'swap-was/victim.txt'), 'utf8'), 'rewritten');
    await assert.rejects(readFile(join(root, 'swap-was/inner/deep.txt')));
  });

  it('a recursive delete does not enter a directory swapped for a symlink below it', async () => {
    const tree = await locate(scope, 'swap', INTENT.replace);
    await inParent(tree, async (dir) => {
      const held = await dir.child('swap');
      // The subdirectory is replaced by a link to the outside before the delete reaches it.
      await rename(join(root, 'swap/inner'), join(root, 'inner-was'));
      await symlink('../../outside/inner', join(root, 'swap/inner'));
      await held.close();
      await removeTree(dir, tree.name, never);
    });
    await outsideIntact();
  });

  it('mkdir does not create through a link planted on its way', async () => {
    await mkdir(join(outside, 'planted'));
    before = await snapshot(outside, () => false);
    const place = await locate(scope, 'new/planted/deeper', INTENT.create);
    await symlink('../outside', join(root, 'new'));
    await assert.rejects(makeDirectories(place));
    await outsideIntact();
  });

  it('a listing does not open a directory swapped for a symlink after it was queued', async () => {
    // walk() queues real paths and opens each with Anchor.open when its turn comes.
    await swapForLink();
    await assert.rejects(Anchor.open(join(root, 'swap')), /ELOOP|ENOTDIR/);
    await assert.rejects(Anchor.open(join(root, 'swap/inner')), /changed while it was being used/);
    const { entries } = await walk(root, { maxDepth: 5, maxEntries: 100, exclude: [] });
    assert.ok(!entries.some((e) => e.relative.startsWith('swap/')), JSON.stringify(entries));
  });

  it('a write over a hard link replaces the name, never the shared file', async () => {
    await link(join(outside, 'victim.txt'), join(root, 'hard'));
    before = await snapshot(outside, () => false);
    const place = await locate(scope, 'hard', INTENT.replace);
    // As if the check had seen a plain file: the write itself still cannot reach the other name.
    await inParent(place, (dir) => atomicWrite(dir, place.name, Buffer.from('new'), true));
    await outsideIntact();
    assert.equal(await readFile(join(root, 'hard'), 'utf8'), 'new');
  });
});
