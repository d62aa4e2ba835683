import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CatalogEvent__Output, DescribeResponse__Output } from '@mcp-fleet/contract';
import { ErrorCode } from '@mcp-fleet/contract';
import { buildCatalog } from '../src/catalog.js';
import {
  DefinitionError,
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineTool,
} from '../src/index.js';
import {
  errorOf,
  request,
  resultOf,
  runCall,
  startProvider,
  type TestProvider,
  waitFor,
} from '../src/testing.js';

const tool = defineTool({
  name: 'lookup',
  title: 'Look up',
  description: 'Looks a thing up.',
  inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
  annotations: { readOnlyHint: true },
  handler: () => 'found',
});
const note = defineResource({
  uri: 'notes://today',
  name: 'today',
  description: "Today's note.",
  mimeType: 'text/plain',
  read: () => [{ uri: 'notes://today', mimeType: 'text/plain', text: 'buy milk' }],
});
const byDay = defineResourceTemplate({
  uriTemplate: 'notes://day/{date}/item/{n}',
  name: 'by-day',
  description: 'A note item by date.',
  complete: {
    date: (value) => ['2026-11-24', '2026-11-25', '2026-12-01'].filter((d) => d.startsWith(value)),
  },
  read: (uri, vars) => [{ uri, text: JSON.stringify(vars) }],
});
const greet = definePrompt({
  name: 'greet',
  description: 'Greets someone.',
  arguments: [{ name: 'who', required: true }, { name: 'tone' }],
  complete: {
    who: (value, others) =>
      ['alice', 'albert', 'bob'].filter((n) => n.startsWith(value) && others.tone !== 'none'),
  },
  get: ({ who, tone }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `hi ${who} (${tone ?? 'plain'})` } }],
  }),
});

function describeProvider(provider: TestProvider): Promise<DescribeResponse__Output> {
  return new Promise((resolve, reject) =>
    provider.client.Describe({}, (err, response) => (err || !response ? reject(err) : resolve(response))),
  );
}

const parse = (item: { definitionJson: Buffer }) => JSON.parse(item.definitionJson.toString('utf8'));

describe('catalog', () => {
  let provider: TestProvider;
  before(async () => {
    provider = await startProvider([tool, note, byDay, greet]);
  });
  after(() => provider.close());

  it('Describe lists every definition as MCP JSON, with a content revision', async () => {
    const described = await describeProvider(provider);
    assert.equal(described.name, 'test');
    assert.match(described.revision, /^[0-9a-f]{16}$/);
    assert.deepEqual(described.tools.map(parse), [
      {
        name: 'lookup',
        title: 'Look up',
        description: 'Looks a thing up.',
        inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
        annotations: { readOnlyHint: true },
      },
    ]);
    assert.deepEqual(
      described.resources.map((r) => r.key),
      ['notes://today'],
    );
    assert.deepEqual(described.resourceTemplates.map(parse)[0].uriTemplate, 'notes://day/{date}/item/{n}');
    assert.deepEqual(parse(described.prompts[0] as { definitionJson: Buffer }).arguments, [
      { name: 'who', required: true },
      { name: 'tone' },
    ]);
  });

  it('WatchCatalog sends the current revision, a new one when definitions change, and resource updates', async () => {
    const events: CatalogEvent__Output[] = [];
    const watch = provider.client.WatchCatalog({});
    watch.on('data', (e: CatalogEvent__Output) => events.push(e));
    watch.on('error', () => {});
    await waitFor(() => events.length >= 1, 'the first catalog event');
    const before = (await describeProvider(provider)).revision;
    assert.deepEqual(events[0], { revision: before, event: 'revision' });

    provider.handle.setDefinitions([tool, note, byDay, greet]);
    provider.handle.resourceUpdated('notes://today');
    const extra = defineTool({ ...tool, name: 'lookup2', handler: () => 'x' });
    provider.handle.setDefinitions([tool, extra, note, byDay, greet]);
    await waitFor(() => events.length >= 3, 'two more catalog events');
    const after = (await describeProvider(provider)).revision;
    assert.notEqual(after, before);
    assert.deepEqual(
      events.slice(1),
      [
        { resourceUpdated: 'notes://today', event: 'resourceUpdated' },
        { revision: after, event: 'revision' },
      ],
      'an unchanged catalog sends no event',
    );
    assert.equal((await describeProvider(provider)).tools.length, 2);
    watch.cancel();
    provider.handle.setDefinitions([tool, note, byDay, greet]);
  });

  it('reads a resource, a templated resource, and reports an unknown URI as resource-not-found', async () => {
    const direct = resultOf(
      await runCall(provider.client, request('resources/read', { uri: 'notes://today' })),
    );
    assert.deepEqual(direct, {
      contents: [{ uri: 'notes://today', mimeType: 'text/plain', text: 'buy milk' }],
    });
    const templated = resultOf(
      await runCall(provider.client, request('resources/read', { uri: 'notes://day/2026-11-25/item/a%20b' })),
    );
    assert.deepEqual(templated, {
      contents: [{ uri: 'notes://day/2026-11-25/item/a%20b', text: '{"date":"2026-11-25","n":"a b"}' }],
    });
    const missing = errorOf(
      await runCall(provider.client, request('resources/read', { uri: 'notes://day/x' })),
    );
    assert.equal(missing.code, ErrorCode.ResourceNotFound);
    assert.deepEqual(missing.data, { uri: 'notes://day/x' });
  });

  it('gets a prompt and refuses one with a missing or non-string argument', async () => {
    const ok = resultOf(
      await runCall(provider.client, request('prompts/get', { name: 'greet', arguments: { who: 'ann' } })),
    );
    assert.deepEqual(ok, { messages: [{ role: 'user', content: { type: 'text', text: 'hi ann (plain)' } }] });
    const missing = errorOf(
      await runCall(provider.client, request('prompts/get', { name: 'greet', arguments: {} })),
    );
    assert.equal(missing.code, ErrorCode.InvalidParams);
    assert.match(missing.message, /missing required arguments: who/);
    const typed = errorOf(
      await runCall(provider.client, request('prompts/get', { name: 'greet', arguments: { who: 7 } })),
    );
    assert.match(typed.message, /arguments.who must be a string/);
  });

  it('completes prompt and template arguments, with context, and answers empty where there is no completer', async () => {
    const complete = async (params: Record<string, unknown>) =>
      resultOf(await runCall(provider.client, request('completion/complete', params)));
    assert.deepEqual(
      await complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'al' } }),
      {
        completion: { values: ['alice', 'albert'], total: 2, hasMore: false },
      },
    );
    const withContext = await complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'who', value: 'al' },
      context: { arguments: { tone: 'none' } },
    });
    assert.deepEqual(withContext, { completion: { values: [], total: 0, hasMore: false } });
    const template = await complete({
      ref: { type: 'ref/resource', uri: 'notes://day/{date}/item/{n}' },
      argument: { name: 'date', value: '2026-11' },
    });
    assert.deepEqual((template.completion as { values: string[] }).values, ['2026-11-24', '2026-11-25']);
    const none = await complete({
      ref: { type: 'ref/prompt', name: 'greet' },
      argument: { name: 'tone', value: '' },
    });
    assert.deepEqual(none, { completion: { values: [], total: 0, hasMore: false } });
    const unknown = errorOf(
      await runCall(
        provider.client,
        request('completion/complete', { ref: { type: 'ref/prompt', name: 'x' }, argument: { name: 'a' } }),
      ),
    );
    assert.equal(unknown.code, ErrorCode.InvalidParams);
  });
});

describe('definitions', () => {
  const identity = { name: 'p', version: '1' };
  it('refuses duplicate names, invalid names and schemas that do not compile', () => {
    assert.throws(() => buildCatalog(identity, [tool, tool]), DefinitionError);
    assert.throws(
      () => buildCatalog(identity, [defineTool({ ...tool, name: 'has space' })]),
      /tool name "has space" is invalid/,
    );
    assert.throws(
      () => buildCatalog(identity, [defineTool({ ...tool, name: 'x'.repeat(65) })]),
      /is invalid/,
    );
    assert.throws(
      () =>
        buildCatalog(identity, [
          defineTool({ ...tool, inputSchema: { type: 'object', properties: { a: { type: 'nonsense' } } } }),
        ]),
      /inputSchema does not compile/,
    );
    assert.throws(
      () => buildCatalog(identity, [defineTool({ ...tool, inputSchema: { type: 'string' } })]),
      /type "object"/,
    );
    assert.throws(() => buildCatalog(identity, [note, note]), /resource "notes:\/\/today" is defined twice/);
  });

  it('gives equal catalogs equal revisions and different ones different revisions', () => {
    const a = buildCatalog(identity, [tool, note]).describe.revision;
    assert.equal(buildCatalog(identity, [tool, note]).describe.revision, a);
    assert.notEqual(buildCatalog(identity, [tool]).describe.revision, a);
  });
});
