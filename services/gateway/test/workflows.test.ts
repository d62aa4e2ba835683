import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '@mcp-fleet/contract';
import { filesystemTools, loadRoots } from '@mcp-fleet/provider-filesystem';
import { gitTools } from '@mcp-fleet/provider-git';
import { Database, loadParser, postgresTools, startEmbedded } from '@mcp-fleet/provider-postgres';
import { ConfigError, defineTool } from '@mcp-fleet/sdk';
import { trace } from '@mcp-fleet/sdk/telemetry';
import { gatedTool } from '@mcp-fleet/sdk/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import pg from 'pg';
import type { RunResult } from '../src/workflows/run-types.js';
import { parseWorkflows } from '../src/workflows/workflow-file.js';
import { type Fleet, type FleetProvider, startFleet } from './support.js';

const WORKFLOWS = `
workflows:
  - name: report
    description: Orders of one status into per-order files and a report, committed to git.
    inputSchema:
      type: object
      properties: { status: { type: string }, repo: { type: string } }
      required: [status, repo]
      additionalProperties: false
    steps:
      - id: orders
        call: postgres_query
        arguments:
          sql: SELECT id, total::text AS total FROM orders WHERE status = $1 ORDER BY id
          params: ["\${inputs.status}"]
        output: orders
      - id: files
        for_each: orders.rows
        as: order
        concurrency: 2
        steps:
          - id: write_order
            call: filesystem_write
            arguments: { path: "order-\${order.id}.txt", content: "\${order.total}" }
            output: written
      - id: count
        set: { count: "\${length(orders.rows)}" }
      - id: decide
        if: count > 0
        then:
          - id: write_report
            call: filesystem_write
            arguments: { path: report.md, content: "# \${inputs.status} orders: \${count}" }
        else:
          - id: nothing
            set: { note: none }
      - id: both
        parallel:
          - - id: stage
              call: git_add
              arguments: { repo: "\${inputs.repo}", paths: ["."] }
          - - id: total
              call: postgres_query
              arguments: { sql: "SELECT count(*)::int AS n FROM orders" }
              output: all
      - id: commit
        call: git_commit
        arguments: { repo: "\${inputs.repo}", message: "report: \${inputs.status} orders" }
  - name: flaky
    inputSchema: { type: object, properties: { tolerate: { type: boolean } } }
    steps:
      - id: broken
        call: lab_fail
        continue_on_failure: true
      - id: after_broken
        if: inputs.tolerate
        then:
          - { id: fine, call: lab_ok, output: fine }
        else:
          - { id: strict, call: lab_fail }
      - { id: never, call: lab_ok }
  - name: bounded
    limits: { maxIterations: 3 }
    inputSchema: { type: object, properties: { items: { type: array } } }
    steps:
      - { id: each, for_each: inputs.items, steps: [{ id: inner, call: lab_ok }] }
  - name: missing
    steps:
      - { id: uses_ghost, call: lab_ok, arguments: { value: "\${ghost.value}" } }
  - name: slow
    steps:
      - { id: first, call: lab_ok }
      - { id: wait, call: lab_slow }
      - { id: never, call: lab_ok }
  - name: race
    steps:
      - id: both
        parallel:
          - - { id: quick_fail, call: lab_fail }
          - - { id: long, call: lab_slow }
  - name: sneaky
    steps:
      - { id: again, call: workflow_slow }
`;

// Spans of this process, to check each step is a child span of the workflow call.
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));

let okCalls = 0;
const slow = gatedTool('slow');
const lab: FleetProvider = {
  name: 'lab',
  definitions: [
    defineTool({
      name: 'ok',
      description: 'ok',
      inputSchema: { type: 'object' },
      annotations: { readOnlyHint: true },
      handler: () => {
        okCalls++;
        return { content: [{ type: 'text', text: 'ok' }], structuredContent: { ok: true } };
      },
    }),
    defineTool({
      name: 'fail',
      description: 'fails',
      inputSchema: { type: 'object' },
      handler: () => {
        throw new Error('the lab tool failed on purpose');
      },
    }),
    slow.definition,
  ],
};

describe('workflows through the gateway', () => {
  let base: string;
  let repo: string;
  let fleet: Fleet;
  let restricted: Fleet;
  let client: Client;
  let embedded: Awaited<ReturnType<typeof startEmbedded>>;
  let pool: pg.Pool;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();

  const connect = async (url: string) => {
    const c = new Client({ name: 'workflows-test', version: '1' });
    await c.connect(new StreamableHTTPClientTransport(new URL(url)));
    return c;
  };
  const run = async (name: string, args: Record<string, unknown> = {}, on = client) => {
    const result = await on.callTool({ name: `workflow_${name}`, arguments: args });
    return { result, record: result.structuredContent as RunResult };
  };

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'mcpfleet-workflows-'));
    repo = join(base, 'repo');
    await mkdir(repo);
    git('init', '-q', '-b', 'main');
    const workflowsFile = join(base, 'workflows.yaml');
    await writeFile(workflowsFile, WORKFLOWS);
    await loadParser();
    embedded = await startEmbedded();
    pool = new pg.Pool({ connectionString: embedded.url, max: 2 });
    const providers = async (): Promise<FleetProvider[]> => [
      lab,
      {
        name: 'postgres',
        definitions: postgresTools({
          db: new Database(pool, undefined),
          readWrite: false,
          dmlOnly: true,
          limits: { timeoutMs: 5_000, maxRows: 100, maxBytes: 65_536 },
        }),
      },
      {
        name: 'filesystem',
        definitions: filesystemTools({
          roots: await loadRoots(`${repo}:rw`),
          maxRead: 65_536,
          maxWrite: 65_536,
        }),
      },
      {
        name: 'git',
        definitions: gitTools({
          roots: await loadRoots(base),
          write: true,
          limits: { timeoutMs: 10_000, maxOutput: 65_536 },
        }),
        timeoutMs: 10_000,
      },
    ];
    fleet = await startFleet(await providers(), { MCPFLEET_WORKFLOWS_FILE: workflowsFile });
    // The same workflows for a caller whose policy does not allow git_commit.
    const policy = join(base, 'restricted-policy.yaml');
    await writeFile(
      policy,
      'roles:\n  local:\n    tools: { allow: ["workflow_report", "postgres_*", "filesystem_*", "git_add"] }\n',
    );
    restricted = await startFleet(await providers(), {
      MCPFLEET_WORKFLOWS_FILE: workflowsFile,
      MCPFLEET_POLICY_FILE: policy,
    });
    client = await connect(fleet.url);
  });
  after(async () => {
    await client?.close();
    await fleet?.close();
    await restricted?.close();
    await pool?.end();
    await embedded?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it('appears as a tool with its own input schema', async () => {
    const tools = (await client.listTools()).tools;
    const report = tools.find((t) => t.name === 'workflow_report');
    assert.deepEqual(report?.inputSchema.required, ['status', 'repo']);
    const bad = await client.callTool({ name: 'workflow_report', arguments: { status: 'paid' } });
    assert.equal(bad.isError, true);
    assert.match(JSON.stringify(bad.content), /Invalid arguments: .*repo/);
  });

  it('queries Postgres, writes files in a loop and a report, commits them with git; progress per step', async () => {
    const progress: string[] = [];
    const result = await client.callTool(
      { name: 'workflow_report', arguments: { status: 'paid', repo } },
      undefined,
      { onprogress: (p) => progress.push(String(p.message)) },
    );
    const record = result.structuredContent as RunResult;
    assert.equal(record.status, 'ok', JSON.stringify(record.error));
    assert.equal(result.isError, undefined);
    assert.deepEqual(
      record.steps.map((s) => [s.id, s.status]),
      [
        ['orders', 'ok'],
        ['files', 'ok'],
        ['count', 'ok'],
        ['decide', 'ok'],
        ['both', 'ok'],
        ['commit', 'ok'],
      ],
    );
    assert.equal(record.steps[1]?.runs?.length, 2, 'one run per paid order');
    assert.equal(record.steps[3]?.branch, 'then');
    assert.equal(record.outputs.count, 2);
    assert.equal(await readFile(join(repo, 'report.md'), 'utf8'), '# paid orders: 2');
    assert.equal(await readFile(join(repo, 'order-1.txt'), 'utf8'), '42.50');
    assert.equal(git('log', '-1', '--format=%s'), 'report: paid orders');
    assert.deepEqual(git('show', '--name-only', '--format=', 'HEAD').split('\n').sort(), [
      'order-1.txt',
      'order-3.txt',
      'report.md',
    ]);
    assert.ok(progress.includes('step commit: ok') && progress.length >= 9, progress.join(', '));

    // The trace: tools/call workflow_report → one span per step → the gRPC call to the provider.
    const finished = spans.getFinishedSpans();
    const parentOf = (span: (typeof finished)[number]) => span.parentSpanContext?.spanId;
    const step = finished.find((s) => s.name === 'workflow step orders');
    assert.ok(step, finished.map((s) => s.name).join(', '));
    const workflow = finished.find((s) => s.spanContext().spanId === parentOf(step));
    assert.match(workflow?.name ?? '', /tools\/call workflow_report/);
    const call = finished.find(
      (s) => s.name.endsWith('ToolProvider/Call') && parentOf(s) === step.spanContext().spanId,
    );
    assert.ok(call, 'the inner call to the provider is a child of its step');
    // Steps inside a loop are children of the loop's step.
    const loop = finished.find((s) => s.name === 'workflow step files');
    const iterations = finished.filter((s) => s.name === 'workflow step write_order');
    assert.equal(iterations.length, 2);
    for (const iteration of iterations) assert.equal(parentOf(iteration), loop?.spanContext().spanId);
  });

  it('a failing step stops the workflow unless it may continue; the record says which and why', async () => {
    const strict = await run('flaky', { tolerate: false });
    assert.equal(strict.result.isError, true);
    assert.equal(strict.record.status, 'failed');
    assert.equal(strict.record.error?.step, 'strict');
    assert.match(strict.record.error?.message ?? '', /step "strict" \(lab_fail\) failed: .*on purpose/);
    assert.deepEqual(
      strict.record.steps.map((s) => [s.id, s.status]),
      [
        ['broken', 'failed'],
        ['after_broken', 'failed'],
      ],
      'the step after the failure never ran',
    );
    const tolerant = await run('flaky', { tolerate: true });
    assert.equal(tolerant.record.status, 'ok');
    assert.deepEqual(tolerant.record.outputs.fine, { ok: true });
  });

  it('limits and templates fail clearly, naming the step', async () => {
    const bounded = await run('bounded', { items: [1, 2, 3, 4] });
    assert.match(bounded.record.error?.message ?? '', /step "each": loop bound hit: 4 items, the limit is 3/);
    assert.equal((await run('bounded', { items: [1, 2, 3] })).record.status, 'ok');
    const missing = await run('missing');
    assert.equal(missing.record.error?.step, 'uses_ghost');
    assert.match(missing.record.error?.message ?? '', /step "uses_ghost": unknown variable "ghost"/);
    const sneaky = await run('sneaky');
    assert.match(sneaky.record.error?.message ?? '', /workflows do not call workflows/);
  });

  it('every inner call is checked against the caller policy: a denied step fails the workflow', async () => {
    const other = await connect(restricted.url);
    try {
      const names = (await other.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('workflow_report') && !names.includes('workflow_flaky'));
      const { result, record } = await run('report', { status: 'open', repo }, other);
      assert.equal(result.isError, true);
      assert.equal(record.error?.step, 'commit');
      assert.equal(record.error?.code, ErrorCode.Forbidden);
      assert.match(record.error?.message ?? '', /Forbidden: .*git_commit/);
      assert.equal(git('log', '-1', '--format=%s'), 'report: paid orders', 'nothing was committed');
    } finally {
      await other.close();
    }
  });

  it('cancelling the call stops the workflow: the running step is aborted, later ones never start', async () => {
    const gate = slow.reset();
    const controller = new AbortController();
    const call = client.callTool({ name: 'workflow_slow', arguments: {} }, undefined, {
      signal: controller.signal,
    });
    await gate.entered.promise;
    const before = okCalls;
    controller.abort();
    await assert.rejects(call);
    const reason = await gate.aborted.promise;
    assert.equal((reason as { kind?: string }).kind, 'cancelled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(okCalls, before, 'the step after the cancelled one never ran');
  });

  it('a failing branch cancels its siblings: nothing runs on after the step failed', async () => {
    const gate = slow.reset();
    const { record } = await run('race');
    assert.equal(record.status, 'failed');
    assert.equal(record.error?.step, 'quick_fail');
    if (gate.calls > 0) {
      // The slow branch had started: it was aborted, not left running.
      const reason = await gate.aborted.promise;
      assert.equal((reason as { kind?: string }).kind, 'cancelled');
      const long = record.steps[0]?.runs?.[1]?.[0];
      assert.equal(long?.status, 'failed');
    }
  });

  it('the workflows `make dev` serves are valid', async () => {
    const file = fileURLToPath(new URL('../../../../deploy/dev/workflows.yaml', import.meta.url));
    assert.deepEqual(
      parseWorkflows(await readFile(file, 'utf8'), file).map((w) => w.name),
      ['orders_report'],
    );
  });

  it('a workflows file with mistakes is refused, each problem naming its place', () => {
    const problems = (() => {
      try {
        parseWorkflows(
          `workflows:
  - name: bad
    steps:
      - call: x
        retries: 9
      - if: "a >"
        then: []
      - for_each: items
        steps: [{ set: { inputs: 1 } }]
      - { call: y, sett: 1 }
`,
          'w.yaml',
        );
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems.join('\n');
      }
      return '';
    })();
    assert.match(problems, /w\.yaml: workflows\[0\]\.steps\[0\]\.retries: must be an integer from 0 to 5/);
    assert.match(problems, /workflows\[0\]\.steps\[1\]\.if: unexpected end/);
    assert.match(problems, /workflows\[0\]\.steps\[1\]\.then: must be a non-empty list/);
    assert.match(problems, /workflows\[0\]\.steps\[2\]\.steps\[0\]\.set\.inputs: must be a variable name/);
    assert.match(problems, /workflows\[0\]\.steps\[3\]\.sett: unknown field for a call step/);
  });
});
