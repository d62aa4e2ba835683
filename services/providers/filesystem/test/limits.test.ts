/** Bounds on the work and the bytes of one call. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resultOf, runCall, startProvider, type TestProvider, toolCall } from '@mcp-fleet/sdk/testing';
import { applyEdits, MAX_REPLACEMENTS } from '../src/edits.js';
import { LineMatcher } from '../src/matcher.js';
import { filesystemTools, loadRoots } from '../src/provider.js';
import { someNames, walk } from '../src/walk.js';
import type { Result } from './support.js';

const MAX = 8192;

describe('filesystem limits', () => {
  const root = mkdtempSync(join(tmpdir(), 'mcpfleet-fs-limits-'));
  let server: TestProvider;

  before(async () => {
    await mkdir(join(root, 'many'));
    for (let i = 0; i < 5; i++) await writeFile(join(root, `big${i}.txt`), `${i}`.repeat(MAX - 100));
    for (let i = 0; i < 30; i++)
      await writeFile(join(root, `many/${String(i).padStart(2, '0')}.txt`), 'x'.repeat(MAX - 1));
    await writeFile(join(root, 'long-line.txt'), `${'a'.repeat(MAX - 10)}\nshort a\n`);
    await writeFile(join(root, 'small.txt'), 'a'.repeat(100));
    server = await startProvider(
      filesystemTools({ roots: await loadRoots(`${root}:rw`), maxRead: MAX, maxWrite: MAX }),
    );
  });
  after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  const call = async (tool: string, args: Record<string, unknown>) =>
    resultOf(await runCall(server.client, toolCall(tool, args))) as Result;

  it('read_many: all files together stay within one read limit, not one per file', async () => {
    const paths = Array.from({ length: 5 }, (_, i) => `big${i}.txt`);
    const files = (await call('read_many', { paths })).structuredContent?.files as {
      text?: string;
      error?: string;
    }[];
    const loaded = files.reduce((sum, f) => sum + (f.text?.length ?? 0), 0);
    assert.ok(loaded <= MAX, `read ${loaded} bytes`);
    assert.equal(files[0]?.text?.length, MAX - 100);
    assert.match(files[1]?.error ?? '', /over what is left of read_many's total limit of/);
  });

  it('grep: stops at its byte budget and says why', async () => {
    const result = (await call('grep', { path: 'many', pattern: 'y' })).structuredContent;
    assert.equal(result?.truncated, true);
    assert.equal(result?.stoppedBy, 'bytes');
  });

  it('grep: stops at maxMatches and says why', async () => {
    const result = (await call('grep', { path: 'many', pattern: 'x', maxMatches: 3 })).structuredContent;
    assert.equal((result?.matches as unknown[]).length, 3);
    assert.equal(result?.stoppedBy, 'matches');
  });

  it('grep: a line too costly for the pattern is skipped and counted, the rest is searched', async () => {
    // About 2,000 instructions: the 8,182-character line would cost 1.6·10⁷ steps, over 10⁷.
    const heavy = await call('grep', {
      path: '.',
      pattern: 'a[a-z]{999}[a-z]{990}',
      include: 'long-line.txt',
    });
    assert.equal(heavy.isError, undefined, JSON.stringify(heavy));
    assert.equal(heavy.structuredContent?.skippedLines, 1);
    const light = (await call('grep', { path: '.', pattern: 'short', include: 'long-line.txt' }))
      .structuredContent;
    assert.deepEqual(
      (light?.matches as { line: number }[]).map((m) => m.line),
      [2],
    );
  });

  it('edit: a replaceAll that would grow the file past the write limit is refused before it is built', async () => {
    const result = await call('edit', {
      path: 'small.txt',
      edits: [{ oldText: 'a', newText: 'b'.repeat(1000), replaceAll: true }],
    });
    assert.equal(result.isError, true);
    assert.match(result.content[0]?.text ?? '', /grow past the write limit/);
    assert.equal(await readFile(join(root, 'small.txt'), 'utf8'), 'a'.repeat(100));
  });

  it('edit amplification: 100 replaceAll edits of one character are refused before any is built', async () => {
    // 100 edits × 8,000 matches = 800,000 replacements: past the per-call cap, counted linearly.
    await writeFile(join(root, 'amplify.txt'), 'a'.repeat(8000));
    const edits = Array.from({ length: 100 }, () => ({ oldText: 'a', newText: 'a', replaceAll: true }));
    const result = await call('edit', { path: 'amplify.txt', dryRun: true, edits });
    assert.equal(result.isError, true, JSON.stringify(result).slice(0, 200));
    assert.match(result.content[0]?.text ?? '', new RegExp(`more than ${MAX_REPLACEMENTS} replacements`));
    const still = await call('stat', { path: 'amplify.txt' });
    assert.equal(still.isError, undefined, 'the provider still serves');
  });

  it('edit: the edits stop when the call is cancelled', async () => {
    const cancelled = new AbortController();
    cancelled.abort(new Error('call cancelled'));
    await assert.rejects(
      applyEdits('abc', [{ oldText: 'a', newText: 'b' }], { signal: cancelled.signal }),
      /call cancelled/,
    );
  });

  it('costly regex in grep: matching ends at its deadline with what it found, the provider still answering', async () => {
    // Within the per-line estimate, yet each line costs real time far past it: only a clock stops it.
    const dir = join(root, 'costly');
    await mkdir(dir);
    await writeFile(join(dir, 'lines.txt'), `${'é'.repeat(5544)}\n`.repeat(40));
    const slow = await startProvider(
      filesystemTools({
        roots: await loadRoots(dir),
        maxRead: 1 << 20,
        maxWrite: 1 << 20,
        grepDeadlineMs: 300,
      }),
    );
    try {
      const slowCall = async (tool: string, args: Record<string, unknown>) =>
        resultOf(await runCall(slow.client, toolCall(tool, args))) as Result;
      const [grep, listed] = await Promise.all([
        slowCall('grep', { path: '.', pattern: '(?:[\\pL\\pN]\\pM?){600}$' }),
        slowCall('list', { path: '.' }),
      ]);
      assert.equal(listed.isError, undefined);
      const result = grep.structuredContent;
      assert.equal(result?.truncated, true);
      assert.equal(result?.stoppedBy, 'time');
    } finally {
      await slow.close();
    }
  });

  it('grep: cancelling the call stops the matching worker', async () => {
    const cancelled = new AbortController();
    const setup = { pattern: '(?:[\\pL\\pN]\\pM?){600}$', ignoreCase: false, context: 0, maxLineWork: 1e7 };
    const matcher = new LineMatcher(setup, 60_000, cancelled.signal);
    const search = matcher.search({ text: `${'é'.repeat(5544)}\n`.repeat(400), most: 1 });
    cancelled.abort(new Error('call cancelled'));
    await assert.rejects(search, /call cancelled/);
    await assert.rejects(matcher.search({ text: 'a', most: 1 }), /call cancelled/);
    await matcher.close();
  });

  it('copy: a file over the write limit is refused', async () => {
    await writeFile(join(root, 'over.txt'), 'z'.repeat(MAX + 1));
    const result = await call('copy', { from: 'over.txt', to: 'over-copy.txt' });
    assert.equal(result.isError, true);
    assert.match(result.content[0]?.text ?? '', /over the write limit/);
  });

  it('huge directory listing: a walk reads a directory only as far as the names it may visit', async () => {
    const { entries, truncated } = await walk(join(root, 'many'), {
      maxDepth: 1,
      maxEntries: 100,
      maxVisited: 10,
      exclude: [],
    });
    assert.equal(truncated, true);
    assert.equal(entries.length, 10);
    assert.deepEqual(await someNames(join(root, 'many'), 7).then((n) => n.length), 7);
  });

  it('huge directory delete: a recursive delete reads the directory in batches and removes all of it', async () => {
    const dir = join(root, 'wide');
    await mkdir(join(dir, 'inner'), { recursive: true });
    for (let i = 0; i < 2500; i++) await writeFile(join(dir, `${i}`), '');
    for (let i = 0; i < 1100; i++) await writeFile(join(dir, `inner/${i}`), '');
    const result = await call('delete', { path: 'wide', recursive: true });
    assert.equal(result.isError, undefined, JSON.stringify(result));
    await assert.rejects(readdir(dir), /ENOENT/);
  });

  it('a walk (under list, tree, find and grep) stops when its call is cancelled', async () => {
    const cancelled = new AbortController();
    cancelled.abort(new Error('call cancelled'));
    await assert.rejects(
      walk(root, { maxDepth: 5, maxEntries: 100, exclude: [], signal: cancelled.signal }),
      /call cancelled/,
    );
  });
});
