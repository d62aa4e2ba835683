import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  resultOf,
  runCall,
  startProvider,
  type TestProvider,
  toolCall,
  waitFor,
} from '@mcp-fleet/sdk/testing';
import { MAX_GREP_WORKERS } from '../src/matcher.js';
import { filesystemTools, loadRoots } from '../src/provider.js';
import type { Result } from './support.js';

/** Within the per-line estimate, yet each line costs real time far past it: only a clock stops it. */
const COSTLY = '(?:[\\pL\\pN]\\pM?){600}$';

/** Threads of this process: each grep worker is one. */
const threads = () => readdirSync('/proc/self/task').length;

describe('filesystem grep: a bounded number of matching workers per provider', () => {
  const root = mkdtempSync(join(tmpdir(), 'mcpfleet-fs-grep-workers-'));
  let server: TestProvider;

  before(async () => {
    await writeFile(join(root, 'lines.txt'), `${'é'.repeat(5544)}\n`.repeat(200));
    await writeFile(join(root, 'small.txt'), 'hello\n');
    server = await startProvider(
      filesystemTools({
        roots: await loadRoots(root),
        maxRead: 1 << 22,
        maxWrite: 1 << 20,
        grepDeadlineMs: 3_000,
      }),
    );
  });
  after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  const call = async (tool: string, args: Record<string, unknown>) =>
    resultOf(await runCall(server.client, toolCall(tool, args), { deadlineMs: 60_000 })) as Result;

  it('sixteen runaway greps at once run at most four workers; the rest wait or are told the provider is busy, and an ordinary call answers', async () => {
    // Warm up: file system threads and one worker come and go, so the baseline counts only idle threads.
    await call('grep', { path: '.', pattern: 'hello', include: 'small.txt' });
    const base = threads();
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, threads());
    }, 5);
    try {
      const runaways = Array.from({ length: 16 }, () =>
        call('grep', { path: '.', pattern: COSTLY, include: 'lines.txt' }),
      );
      await waitFor(() => peak > base, 'a grep worker to start', 20_000);
      const ordinary = await call('list', { path: '.' });
      assert.equal(ordinary.isError, undefined);
      for (const result of await Promise.all(runaways)) {
        if (result.isError) assert.match(result.content[0]?.text ?? '', /grep is busy/);
        else assert.equal(result.structuredContent?.stoppedBy, 'time');
      }
    } finally {
      clearInterval(sampler);
    }
    assert.ok(peak - base <= MAX_GREP_WORKERS, `${peak - base} grep worker threads at once`);
  });
});
