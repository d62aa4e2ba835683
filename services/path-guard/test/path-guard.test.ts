/**
 * The containment package on its own: the filesystem and git providers' tests exercise it through
 * their tools; these pin the contract both rely on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccessDenied, INTENT, loadRoots, locate, resolvePath, type Scope, within } from '../src/index.js';

const base = mkdtempSync(join(tmpdir(), 'mcpfleet-path-guard-'));
const root = join(base, 'root');
const readOnly = join(root, 'ro');
const nested = join(root, 'nest/rw');
let scope: Scope;

before(async () => {
  await mkdir(readOnly, { recursive: true });
  await mkdir(nested, { recursive: true });
  await mkdir(join(base, 'root-secret'));
  await writeFile(join(base, 'outside.txt'), 'outside');
  await writeFile(join(root, 'inside.txt'), 'inside');
  await symlink('../outside.txt', join(root, 'out-link'));
  await symlink('../missing.txt', join(root, 'out-dangling'));
  await symlink('inside.txt', join(root, 'in-link'));
  scope = { roots: await loadRoots(`${root}:rw,${readOnly},${nested}:rw`) };
});
after(() => rm(base, { recursive: true, force: true }));

describe('path guard', () => {
  it('compares paths segment by segment, never as string prefixes', () => {
    assert.ok(within('/data', '/data'));
    assert.ok(within('/data', '/data/a/b'));
    assert.ok(!within('/data', '/data-secret'));
    assert.ok(!within('/data', '/'));
  });

  it('loads writable and read-only roots and refuses a missing one', async () => {
    assert.deepEqual(
      scope.roots.map((r) => r.writable),
      [true, false, true],
    );
    await assert.rejects(loadRoots(join(base, 'nowhere')), /not an existing directory/);
    await assert.rejects(loadRoots(''), /no roots configured/);
  });

  it('refuses `..` past a root and a sibling that shares its prefix', async () => {
    await assert.rejects(locate(scope, '../outside.txt', INTENT.read), AccessDenied);
    await assert.rejects(locate(scope, `${root}-secret`, INTENT.read), /outside the allowed roots/);
  });

  it('follows links and refuses one leading outside, whether or not its target exists', async () => {
    assert.equal((await resolvePath(scope, 'in-link', 'read')).real, join(root, 'inside.txt'));
    await assert.rejects(resolvePath(scope, 'out-link', 'read'), /outside the allowed roots/);
    await assert.rejects(resolvePath(scope, 'out-dangling', 'read'), /outside the allowed roots/);
  });

  it('lets the innermost root decide writability, and never removes a root', async () => {
    await assert.rejects(locate(scope, 'ro/new.txt', INTENT.create), /read-only root/);
    assert.equal((await locate(scope, 'new.txt', INTENT.create)).exists, false);
    await assert.rejects(locate(scope, 'nest/rw', INTENT.replace), /is a root/);
    await assert.rejects(locate(scope, 'nest', INTENT.replace), /on the way to a root/);
    await assert.rejects(locate(scope, '.', INTENT.replace), /is a root/);
  });
});
