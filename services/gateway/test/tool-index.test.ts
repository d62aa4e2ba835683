import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { syntheticTools } from '@mcp-fleet/provider-synthetic';
import { tokenize } from '../src/catalog-search/tokenize.js';
import { ToolIndex } from '../src/catalog-search/tool-index.js';
import type { JsonObject } from '../src/protocol/messages.js';

const tool = (name: string, description: string, args: string[] = []): JsonObject => ({
  name,
  description,
  inputSchema: { type: 'object', properties: Object.fromEntries(args.map((a) => [a, { type: 'string' }])) },
});

describe('tool index', () => {
  it('splits camelCase, snake_case and kebab-case, drops stopwords and folds endings', () => {
    assert.deepEqual(tokenize('listPodsInNamespace'), ['list', 'pod', 'namespace']);
    assert.deepEqual(tokenize('get_HTTPServer-status'), ['get', 'http', 'server', 'status']);
    assert.deepEqual(tokenize('The queries of the policies, listed'), ['query', 'policy', 'list']);
  });

  it('ranks by name, description and argument names, and follows a changed list without a rebuild of the rest', async () => {
    let lists: JsonObject[][] = [
      [
        tool('k8s_list_pods', 'Lists pods', ['namespace']),
        tool('pg_query', 'Runs a read-only SQL query', ['sql']),
      ],
    ];
    const index = new ToolIndex(() => lists);
    const best = async (query: string) => (await index.rank(query, 32, 1))[0]?.definition.name;
    assert.equal(await best('pods in a namespace'), 'k8s_list_pods');
    assert.equal(await best('sql'), 'pg_query', 'argument names are indexed');
    lists = [
      [tool('k8s_list_pods', 'Lists pods', ['namespace']), tool('pg_query', 'Explains a statement', ['sql'])],
    ];
    assert.equal(
      await best('explain a statement'),
      'pg_query',
      'a changed description is seen on the next search',
    );
    assert.equal(await best('read-only'), undefined, 'and the old words are gone');
    lists = [[tool('k8s_list_pods', 'Lists pods', ['namespace'])]];
    assert.equal(await best('sql'), undefined, 'a dropped tool is gone');
    assert.equal(index.size, 1);
  });

  it('gives the event loop turns while indexing and searching a large catalog', async () => {
    const big = syntheticTools(30_000, 7) as unknown as JsonObject[];
    const index = new ToolIndex(() => [big]);
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    await index.refresh();
    const afterIndexing = turns;
    assert.ok(afterIndexing > 10, `other work ran while 30,000 tools were indexed (${afterIndexing} turns)`);
    const ranked = await index.rank('list get create update delete', 32, 50);
    running = false;
    assert.equal(ranked.length, 50);
    assert.ok(turns > afterIndexing, 'and while a query touching most of them was scored');
  });

  it('indexes a bounded prefix of each text, so a provider cannot make indexing cost what it likes', async () => {
    const poisoned = tool('big_tool', `${'A'.repeat(100_000)}Bc hiddenword`);
    const index = new ToolIndex(() => [[poisoned, tool('small_tool', 'hiddenword here')]]);
    const found = (await index.rank('hiddenword', 32, 5)).map((r) => r.definition.name);
    assert.deepEqual(found, ['small_tool'], 'words past the cap are not indexed');
    assert.deepEqual(
      tokenize(`${'AB'.repeat(5)}Cd`),
      ['ababababab', 'cd'],
      'acronyms split before a capitalised word',
    );
  });

  it('selects the best tools the filter keeps, asking it once per tool at most', async () => {
    const tools = ['alpha', 'beta', 'gamma', 'delta'].map((n, i) =>
      tool(`t_${n}`, `report ${'report '.repeat(i)}`),
    );
    const index = new ToolIndex(() => [tools]);
    const asked: string[] = [];
    const kept = await index.rank('report', 32, 2, {
      name: 'no-delta',
      revision: 1,
      keep: (d) => {
        asked.push(String(d.name));
        return d.name !== 't_delta';
      },
    });
    assert.deepEqual(
      kept.map((r) => r.definition.name),
      ['t_gamma', 't_beta'],
      'the best is hidden: the next two come up',
    );
    assert.equal(new Set(asked).size, asked.length);
  });
});
