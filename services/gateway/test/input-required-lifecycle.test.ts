import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { defineTool, type HandlerContext, withInputKey } from '@mcp-fleet/sdk';
import { waitFor } from '@mcp-fleet/sdk/testing';
import { generateApiKey } from '../src/auth/api-keys.js';
import { META_KEYS, modernRequest, postModern } from './modern.js';
import { answers, ask, type InputRequired, textOf, tool } from './mrtr.js';
import { redisUrl } from './redis-support.js';
import { type Fleet, startFleet } from './support.js';

const TTL_MS = 600;

/** Asks for a name and waits for it; says whether its call was cancelled while it waited. */
const waiting = { cancelled: false };
const askAndWait = defineTool({
  name: 'ask_and_wait',
  description: 'Asks for a name and waits for it.',
  inputSchema: { type: 'object' },
  async handler(_args, ctx) {
    ctx.signal.addEventListener('abort', () => {
      waiting.cancelled = true;
    });
    const answer = await ctx.elicit(
      withInputKey('user_name', {
        message: 'Name?',
        requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
      } as Parameters<HandlerContext['elicit']>[0]),
    );
    return `got ${JSON.stringify(answer.content)}`;
  },
});

/** Asks for a name, then reports progress before it answers: notifications of a resumed round. */
const askThenProgress = defineTool({
  name: 'ask_then_progress',
  description: 'Asks for a name, reports progress, then greets.',
  inputSchema: { type: 'object' },
  async handler(_args, ctx) {
    const answer = await ctx.elicit(
      withInputKey('user_name', {
        message: 'Name?',
        requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
      } as Parameters<HandlerContext['elicit']>[0]),
    );
    ctx.progress(1, 2, 'answered');
    await sleep(100);
    return `hi ${String(answer.content?.name)}`;
  },
});

describe('input_required states bound to their caller, parked calls released at expiry', () => {
  const alice = generateApiKey('alice');
  const bob = generateApiKey('bob');
  const as = (key: { key: string }) => ({ headers: { authorization: `Bearer ${key.key}` } });
  let fleet: Fleet;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-mrtr-auth-'));
    const authFile = join(dir, 'auth.yaml');
    const policyFile = join(dir, 'policy.yaml');
    await writeFile(
      authFile,
      `apiKeys:\n  - { id: alice, hash: "${alice.hash}", subject: alice, roles: [caller] }\n  - { id: bob, hash: "${bob.hash}", subject: bob, roles: [caller] }\n`,
    );
    await writeFile(policyFile, 'roles:\n  caller:\n    tools: { allow: ["*"] }\n');
    fleet = await startFleet(
      [
        { name: 'everything', prefix: '', definitions },
        { name: 'lab', definitions: [askAndWait] },
      ],
      {
        MCPFLEET_AUTH_FILE: authFile,
        MCPFLEET_POLICY_FILE: policyFile,
        MCPFLEET_INPUT_REQUIRED_TTL: `${TTL_MS}ms`,
      },
    );
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const name = 'test_input_required_result_elicitation';

  it("refuses another caller's state (-32602, reason principal); its owner may still use it", async () => {
    const r1 = (await ask(fleet.url, tool(name), as(alice))).result as unknown as InputRequired;
    const retry = tool(name, {
      inputResponses: { user_name: answers.name('Mallory') },
      requestState: r1.requestState,
    });
    const foreign = await ask(fleet.url, retry, as(bob));
    assert.equal(foreign.error?.code, ErrorCode.InvalidParams);
    assert.equal(foreign.error?.data?.reason, 'principal');
    const own = await ask(
      fleet.url,
      { ...retry, inputResponses: { user_name: answers.name('Alice') } },
      as(alice),
    );
    assert.equal(textOf(own.result), 'Hello, Alice!');
  });

  it('a call whose client never returns is cancelled at expiry, and its state refused as expired', async () => {
    waiting.cancelled = false;
    const r1 = (await ask(fleet.url, tool('lab_ask_and_wait'), as(alice))).result as unknown as InputRequired;
    assert.equal(r1.resultType, 'input_required');
    await sleep(TTL_MS / 2);
    assert.equal(waiting.cancelled, false, 'still parked before its expiry');
    await waitFor(() => waiting.cancelled, 'the provider handler to be cancelled', TTL_MS * 5);
    const late = await ask(
      fleet.url,
      tool('lab_ask_and_wait', {
        inputResponses: { user_name: answers.name('Late') },
        requestState: r1.requestState,
      }),
      as(alice),
    );
    assert.equal(late.error?.code, ErrorCode.InvalidParams);
    assert.equal(late.error?.data?.reason, 'expired');
  });
});

describe('input_required across two replicas sharing Redis', () => {
  let fleet: Fleet;
  let a: string;
  let b: string;
  before(async () => {
    fleet = await startFleet(
      [
        { name: 'everything', prefix: '', definitions },
        { name: 'lab', definitions: [askThenProgress] },
      ],
      { REDIS_URL: redisUrl() },
      [],
      2,
    );
    [a, b] = fleet.urls as [string, string];
  });
  after(() => fleet.close());

  it('a retry landing on the other replica resumes the parked call there, round after round', async () => {
    const multi = 'test_input_required_result_multi_round';
    const r1 = (await ask(a, tool(multi))).result as unknown as InputRequired;
    const r2 = await ask(
      b,
      tool(multi, { inputResponses: { step1: answers.name('Ann') }, requestState: r1.requestState }),
    );
    const round2 = r2.result as unknown as InputRequired;
    assert.deepEqual(Object.keys(round2.inputRequests), ['step2'], JSON.stringify(r2));
    const r3 = await ask(
      b,
      tool(multi, {
        inputResponses: { step2: { action: 'accept', content: { color: 'red' } } },
        requestState: round2.requestState,
      }),
    );
    assert.equal(textOf(r3.result), 'Multi-round complete for Ann who likes red');
    const tampered = await ask(b, tool(multi, { requestState: `${r1.requestState.slice(0, -2)}AA` }));
    assert.equal(tampered.error?.data?.reason, 'signature');
  });

  it("the other replica streams the resumed round's progress back, under the retry's own token", async () => {
    const call = (id: number, token: string, extra: Record<string, unknown> = {}) =>
      modernRequest(
        id,
        'tools/call',
        { name: 'lab_ask_then_progress', arguments: {}, ...extra },
        {
          [META_KEYS.clientCapabilities]: { elicitation: {} },
          progressToken: token,
        },
      );
    const r1 = (await postModern(a, call(1, 'first'))).json?.result as unknown as InputRequired;
    const retry = call(2, 'second', {
      inputResponses: { user_name: answers.name('Gus') },
      requestState: r1.requestState,
    });
    const { text, json } = await postModern(b, retry);
    assert.match(text, /"method":"notifications\/progress","params":\{"progressToken":"second","progress":1/);
    assert.equal(textOf(json?.result as Record<string, unknown>), 'hi Gus');
  });

  it('a retry for a call whose replica is gone fails as lost, to be retried from scratch', async () => {
    const name = 'test_input_required_result_elicitation';
    const r1 = (await ask(a, tool(name))).result as unknown as InputRequired;
    await fleet.gateways[0]?.drain();
    const started = Date.now();
    const lost = await ask(
      b,
      tool(name, { inputResponses: { user_name: answers.name('X') }, requestState: r1.requestState }),
    );
    assert.equal(lost.error?.code, ErrorCode.InvalidParams);
    assert.equal(lost.error?.data?.reason, 'lost');
    assert.match(lost.error?.message ?? '', /from scratch/);
    assert.ok(Date.now() - started < 3_000, 'refused within the bound');
  });
});
