import { INTENT } from '@mcp-fleet/path-guard';
import { DESTRUCTIVE, defineTool } from '@mcp-fleet/sdk';
import { type FsProvider, locateFor } from '../context.js';
import { unifiedDiff } from '../diff.js';
import { applyEdits, type Edit } from '../edits.js';
import { assertReplaceable, atomicWrite, entryNow, inParent, readEntry } from '../files.js';
import { PATH, sha256 } from './read.js';

export const write = (p: FsProvider) =>
  defineTool<{ path: string; content: string; expectedSha256?: string }>({
    name: 'write',
    title: 'Write a file',
    description:
      'Creates or replaces a text file atomically. With `expectedSha256`, the write happens only if the file still has that content (no lost updates).',
    inputSchema: {
      type: 'object',
      properties: {
        path: PATH,
        content: { type: 'string' },
        expectedSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      },
      required: ['path', 'content'],
      additionalProperties: false,
    },
    annotations: DESTRUCTIVE,
    async handler({ path: input, content, expectedSha256 }, ctx) {
      const data = Buffer.from(content, 'utf8');
      if (data.length > p.maxWrite)
        throw new Error(`content is ${data.length} bytes, over the write limit of ${p.maxWrite}`);
      const place = await locateFor(p, ctx, input, INTENT.replace);
      await inParent(place, async (dir) => {
        const current = await entryNow(dir, place.name);
        assertReplaceable(current, input);
        if (expectedSha256 !== undefined) {
          const now = current ? sha256(await readEntry(dir, place, p.maxRead)) : undefined;
          if (now !== expectedSha256)
            throw new Error(`${input} changed since it was read (sha256 ${now ?? 'none'}): nothing written`);
        }
        await atomicWrite(dir, place.name, data, true);
      });
      return {
        content: [{ type: 'text', text: `wrote ${data.length} bytes to ${input}` }],
        structuredContent: { path: input, bytes: data.length, sha256: sha256(data) },
      };
    },
  });

export const edit = (p: FsProvider) =>
  defineTool<{ path: string; edits: Edit[]; dryRun?: boolean }>({
    name: 'edit',
    title: 'Edit a file',
    description: 'Replaces exact text in a file. `dryRun` returns the unified diff without writing.',
    inputSchema: {
      type: 'object',
      properties: {
        path: PATH,
        edits: {
          type: 'array',
          minItems: 1,
          maxItems: 100,
          items: {
            type: 'object',
            properties: {
              oldText: { type: 'string', minLength: 1 },
              newText: { type: 'string' },
              replaceAll: { type: 'boolean' },
            },
            required: ['oldText', 'newText'],
            additionalProperties: false,
          },
        },
        dryRun: { type: 'boolean' },
      },
      required: ['path', 'edits'],
      additionalProperties: false,
    },
    annotations: DESTRUCTIVE,
    async handler({ path: input, edits, dryRun = false }, ctx) {
      const place = await locateFor(p, ctx, input, INTENT.replace);
      const diff = await inParent(place, async (dir) => {
        assertReplaceable(await entryNow(dir, place.name), input);
        const before = (await readEntry(dir, place, p.maxRead)).toString('utf8');
        const after = Buffer.from(
          await applyEdits(before, edits, { limit: p.maxWrite, signal: ctx.signal }),
          'utf8',
        );
        if (after.length > p.maxWrite)
          throw new Error(
            `the edited ${input} is ${after.length} bytes, over the write limit of ${p.maxWrite}`,
          );
        if (!dryRun) await atomicWrite(dir, place.name, after, true);
        return unifiedDiff(input, before, after.toString('utf8'));
      });
      return {
        content: [{ type: 'text', text: diff || '(no change)' }],
        structuredContent: { diff, written: !dryRun },
      };
    },
  });
