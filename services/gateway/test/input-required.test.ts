import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { ALL_INPUTS, answers, ask, type InputRequired, textOf, tool } from './mrtr.js';
import { type Fleet, startFleet } from './support.js';

const WORKFLOWS = `
workflows:
  - name: greet
    description: Greets whoever the user says they are.
    inputSchema: { type: object }
    steps:
      - id: hello
        call: test_input_required_result_elicitation
        arguments: {}
`;

describe('MCP 2026-07-28 input_required: parked provider calls resumed by retries', () => {
  let fleet: Fleet;
  let url: string;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-mrtr-'));
    const workflowsFile = join(dir, 'workflows.yaml');
    await writeFile(workflowsFile, WORKFLOWS);
    fleet = await startFleet([{ name: 'everything', prefix: '', definitions }], {
      MCPFLEET_WORKFLOWS_FILE: workflowsFile,
    });
    url = fleet.url;
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const first = async (name: string, caps = ALL_INPUTS) => {
    const { status, result, error } = await ask(url, tool(name), { caps });
    assert.equal(status, 200, JSON.stringify(error));
    assert.equal(result?.resultType, 'input_required', JSON.stringify(result));
    return result as unknown as InputRequired;
  };
  const retry = (name: string, r: InputRequired, inputResponses: unknown) =>
    ask(url, tool(name, { inputResponses, requestState: r.requestState }));

  it('elicitation: asks under the provider key, then completes with the answer', async () => {
    const r1 = await first('test_input_required_result_elicitation');
    assert.deepEqual(Object.keys(r1.inputRequests), ['user_name']);
    assert.equal(r1.inputRequests.user_name?.method, 'elicitation/create');
    assert.equal(r1.inputRequests.user_name?.params._meta, undefined, 'the key hint is not shown');
    assert.equal(typeof r1.requestState, 'string');
    const r2 = await retry('test_input_required_result_elicitation', r1, {
      user_name: answers.name('Alice'),
    });
    assert.equal(r2.result?.resultType, 'complete');
    assert.equal(textOf(r2.result), 'Hello, Alice!');
  });

  it('sampling and roots: each kind of input round-trips', async () => {
    const s1 = await first('test_input_required_result_sampling');
    assert.equal(s1.inputRequests.capital_question?.method, 'sampling/createMessage');
    const s2 = await retry('test_input_required_result_sampling', s1, {
      capital_question: answers.sample('Paris'),
    });
    assert.equal(textOf(s2.result), 'Sampling result: Paris');
    const r1 = await first('test_input_required_result_list_roots');
    assert.deepEqual(r1.inputRequests.client_roots, { method: 'roots/list', params: {} });
    const r2 = await retry('test_input_required_result_list_roots', r1, { client_roots: answers.roots() });
    assert.equal(textOf(r2.result), 'Found 1 root(s): file:///test/root');
  });

  it('prompts/get asks too', async () => {
    const r1 = await ask(url, { name: 'test_input_required_result_prompt' }, { method: 'prompts/get' });
    const state = r1.result as unknown as InputRequired;
    assert.equal(state.inputRequests.user_context?.method, 'elicitation/create');
    const r2 = await ask(
      url,
      {
        name: 'test_input_required_result_prompt',
        inputResponses: { user_context: { action: 'accept', content: { context: 'tests' } } },
        requestState: state.requestState,
      },
      { method: 'prompts/get' },
    );
    assert.equal(r2.result?.resultType, 'complete');
    assert.match(JSON.stringify(r2.result?.messages), /Prompt with context: tests/);
  });

  it('asks issued together come in one input_required; a missing answer is asked again, extra keys ignored', async () => {
    const name = 'test_input_required_result_multiple_inputs';
    const r1 = await first(name);
    assert.deepEqual(Object.keys(r1.inputRequests).sort(), ['client_roots', 'greeting', 'user_name']);
    const r2 = await retry(name, r1, {
      user_name: answers.name('Bo'),
      greeting: answers.sample('Hi'),
      unknown_extra_key: { action: 'accept' },
    });
    const again = r2.result as unknown as InputRequired;
    assert.equal(again.resultType, 'input_required', JSON.stringify(r2));
    assert.deepEqual(Object.keys(again.inputRequests), ['client_roots']);
    assert.notEqual(again.requestState, r1.requestState);
    const r3 = await retry(name, again, { client_roots: answers.roots() });
    assert.equal(textOf(r3.result), 'Name: Bo; Greeting: Hi; Roots: 1');
  });

  it('multi-round: a new input_required with a new state each round; an answered round cannot be replayed', async () => {
    const name = 'test_input_required_result_multi_round';
    const r1 = await first(name);
    const r2 = await retry(name, r1, { step1: answers.name('Ann') });
    const round2 = r2.result as unknown as InputRequired;
    assert.deepEqual(Object.keys(round2.inputRequests), ['step2']);
    assert.notEqual(round2.requestState, r1.requestState);
    const replay = await retry(name, r1, { step1: answers.name('Eve') });
    assert.equal(replay.error?.code, ErrorCode.InvalidParams);
    assert.equal(replay.error?.data?.reason, 'replayed');
    const r3 = await retry(name, round2, { step2: { action: 'accept', content: { color: 'green' } } });
    assert.equal(textOf(r3.result), 'Multi-round complete for Ann who likes green');
  });

  it('refuses a tampered state (-32602, data.reason) and a state of another request', async () => {
    const name = 'test_input_required_result_tampered_state';
    const r1 = await first(name);
    const tampered = await ask(
      url,
      tool(name, { inputResponses: {}, requestState: `${r1.requestState}-TAMPERED` }),
    );
    assert.equal(tampered.error?.code, ErrorCode.InvalidParams);
    assert.equal(tampered.error?.data?.reason, 'malformed');
    const [head, payload, mac] = r1.requestState.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, n: 7 })).toString('base64url')}.${mac}`;
    const resigned = await ask(url, tool(name, { inputResponses: {}, requestState: forged }));
    assert.equal(resigned.error?.data?.reason, 'signature');
    const other = await ask(
      url,
      tool('test_input_required_result_request_state', { requestState: r1.requestState }),
    );
    assert.equal(other.error?.data?.reason, 'request');
    const fine = await retry(name, r1, { confirm: { action: 'accept', content: { ok: true } } });
    assert.equal(textOf(fine.result), 'integrity-ok: state verified');
  });

  it('refuses a malformed answer without losing the call', async () => {
    const name = 'test_input_required_result_elicitation';
    const r1 = await first(name);
    const bad = await retry(name, r1, { user_name: 12345 });
    assert.equal(bad.error?.code, ErrorCode.InvalidParams);
    const notAnObject = await retry(name, r1, null);
    assert.equal(notAnObject.error?.code, ErrorCode.InvalidParams);
    const good = await retry(name, r1, { user_name: answers.name('Cy') });
    assert.equal(textOf(good.result), 'Hello, Cy!');
  });

  it('answers sent with the first request are used (no input_required), wrong keys get one', async () => {
    const eager = await ask(
      url,
      tool('test_input_required_result_elicitation', {
        inputResponses: { user_name: answers.name('Dee'), another_unexpected: { action: 'accept' } },
      }),
    );
    assert.equal(textOf(eager.result), 'Hello, Dee!');
    const wrong = await ask(
      url,
      tool('test_input_required_result_elicitation', { inputResponses: { wrong_key: {} } }),
    );
    assert.equal(wrong.result?.resultType, 'input_required');
  });

  it('asks only for declared capabilities; an undeclared one is -32021 with HTTP 400', async () => {
    const partial = await first('test_input_required_result_capabilities', { sampling: {} } as never);
    assert.deepEqual(Object.keys(partial.inputRequests), ['sample_input']);
    for (const [name, capability] of [
      ['test_input_required_result_elicitation', 'elicitation'],
      ['test_input_required_result_list_roots', 'roots'],
    ] as const) {
      const refused = await ask(url, tool(name), { caps: {} });
      assert.equal(refused.status, 400, name);
      assert.equal(refused.error?.code, ErrorCode.MissingClientCapability, name);
      assert.deepEqual(refused.error?.data?.requiredCapabilities, { [capability]: {} }, name);
    }
  });

  it('lists never answer input_required', async () => {
    for (const method of ['tools/list', 'prompts/list']) {
      const { result } = await ask(url, {}, { method });
      assert.equal(result?.resultType, 'complete', method);
    }
  });

  it('a workflow whose step needs input answers input_required, and completes on the retry', async () => {
    const r1 = await first('workflow_greet');
    assert.deepEqual(Object.keys(r1.inputRequests), ['user_name']);
    const r2 = await retry('workflow_greet', r1, { user_name: answers.name('Flo') });
    assert.equal(r2.result?.resultType, 'complete');
    const steps = (r2.result?.structuredContent as { steps: { status: string }[]; status: string }) ?? {};
    assert.equal(steps.status, 'ok', JSON.stringify(r2.result));
  });
});
