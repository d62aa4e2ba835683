import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@mcp-fleet/contract';
import { definitions } from '@mcp-fleet/provider-everything';
import { defineTool } from '@mcp-fleet/sdk';
import { generateApiKey } from '../src/auth/api-keys.js';
import { callProvider } from '../src/dispatch/provider-call.js';
import { Cancellation } from '../src/engine/cancellation.js';
import type { EdgeAddresses } from './edge-clients.js';
import { heapGrowth } from './heap.js';
import { META_KEYS, MODERN, modernRequest, postModern } from './modern.js';
import { ALL_INPUTS, answers, ask, type InputRequired, textOf, tool } from './mrtr.js';
import { connectStateless, RpcError } from './stateless-client.js';
import { type Fleet, post, startFleet } from './support.js';

/** A tool routing an integer argument in a header (SEP-2243). */
const counted = defineTool<{ count: number }>({
  name: 'counted',
  description: 'Echoes its count, which 2026 clients also send as Mcp-Param-Count.',
  inputSchema: {
    type: 'object',
    properties: { count: { type: 'integer', 'x-mcp-header': 'Count' } },
    required: ['count'],
  },
  handler: ({ count }) => `count ${count}`,
});

const POLICY = (deny: string) => `roles:
  caller: { tools: { allow: ["*"], deny: [${deny}] }, prompts: { allow: ["*"] }, resources: { allow: ["*"] } }
  slow: { tools: { allow: ["*"] }, rateLimit: { perSecond: 0.001, burst: 3 } }
`;

const MULTI = 'test_input_required_result_multi_round';
const ELICIT = 'test_input_required_result_elicitation';

describe('input_required under attack: parked calls bounded, retries admitted, strict states', () => {
  const keys = {
    alice: generateApiKey('alice'),
    bob: generateApiKey('bob'),
    carol: generateApiKey('carol'),
    dave: generateApiKey('dave'),
    erin: generateApiKey('erin'),
  };
  const as = (who: keyof typeof keys) => ({ authorization: `Bearer ${keys[who].key}` });
  let fleet: Fleet;
  let dir: string;
  let policyFile: string;
  let at: EdgeAddresses;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpfleet-mrtr-attacks-'));
    const authFile = join(dir, 'auth.yaml');
    policyFile = join(dir, 'policy.yaml');
    const entry = (id: keyof typeof keys, role: string) =>
      `  - { id: ${id}, hash: "${keys[id].hash}", subject: ${id}, roles: [${role}] }`;
    await writeFile(
      authFile,
      [
        'apiKeys:',
        entry('alice', 'caller'),
        entry('bob', 'slow'),
        entry('carol', 'caller'),
        entry('dave', 'caller'),
        entry('erin', 'caller'),
      ].join('\n'),
    );
    await writeFile(policyFile, POLICY(''));
    fleet = await startFleet(
      [
        { name: 'everything', prefix: '', definitions },
        { name: 'lab', definitions: [counted] },
      ],
      {
        MCPFLEET_AUTH_FILE: authFile,
        MCPFLEET_POLICY_FILE: policyFile,
        MCPFLEET_MAX_CONCURRENT_PER_SUBJECT: '2',
        MCPFLEET_MAX_PARKED_PER_SUBJECT: '3',
      },
    );
    at = { http: fleet.url.replace(/\/mcp$/, ''), grpc: `127.0.0.1:${fleet.gateway.grpcPort}` };
  });
  after(async () => {
    await fleet.close();
    await rm(dir, { recursive: true, force: true });
  });

  const refusal = async (answer: Promise<unknown>) => {
    try {
      await answer;
    } catch (err) {
      if (err instanceof RpcError) return err;
      throw err;
    }
    assert.fail('the request was answered');
  };

  for (const edge of ['websocket', 'grpc'] as const) {
    it(`${edge}: a retry is refused once policy no longer allows the tool, and cancels nothing`, async () => {
      const { client } = await connectStateless(edge, at, as('alice'), ALL_INPUTS);
      try {
        const r1 = (await client.request('tools/call', tool(MULTI))) as unknown as InputRequired;
        assert.equal(r1.resultType, 'input_required');
        await writeFile(policyFile, POLICY('"test_input_required_*"'));
        await fleet.gateway.policy.reload();
        const retry = tool(MULTI, {
          inputResponses: { step1: answers.name('Al') },
          requestState: r1.requestState,
        });
        const refused = await refusal(client.request('tools/call', retry));
        assert.equal(refused.code, ErrorCode.Forbidden, refused.message);
        await writeFile(policyFile, POLICY(''));
        await fleet.gateway.policy.reload();
        const r2 = (await client.request('tools/call', retry)) as unknown as InputRequired;
        assert.deepEqual(Object.keys(r2.inputRequests), ['step2'], 'the parked call was kept');
      } finally {
        await writeFile(policyFile, POLICY(''));
        await fleet.gateway.policy.reload();
        await client.close();
      }
    });
  }

  it('websocket: retries are rate-limited like fresh requests', async () => {
    const { client } = await connectStateless('websocket', at, as('bob'), ALL_INPUTS);
    try {
      const r1 = (await client.request('tools/call', tool(MULTI))) as unknown as InputRequired;
      const r2 = (await client.request(
        'tools/call',
        tool(MULTI, { inputResponses: { step1: answers.name('Bo') }, requestState: r1.requestState }),
      )) as unknown as InputRequired;
      assert.equal(r2.resultType, 'input_required');
      await client.request('tools/call', { name: 'echo', arguments: { text: 'spend the last token' } });
      const limited = await refusal(
        client.request(
          'tools/call',
          tool(MULTI, {
            inputResponses: { step2: { action: 'accept', content: { color: 'red' } } },
            requestState: r2.requestState,
          }),
        ),
      );
      assert.equal(limited.code, ErrorCode.RateLimited, limited.message);
    } finally {
      await client.close();
    }
  });

  it('parked calls hold no in-flight slot, and a caller may park only so many', async () => {
    const carol = { headers: as('carol') };
    for (let i = 0; i < 3; i++) {
      const parked = await ask(fleet.url, tool(ELICIT), carol);
      assert.equal(parked.result?.resultType, 'input_required', JSON.stringify(parked.error));
    }
    const echo = await ask(fleet.url, { name: 'echo', arguments: { text: 'still here' } }, carol);
    assert.equal(echo.result?.resultType, 'complete', JSON.stringify(echo.error));
    const over = await ask(fleet.url, tool(ELICIT), carol);
    assert.equal(over.error?.code, ErrorCode.RateLimited, JSON.stringify(over));
    assert.match(over.error?.message ?? '', /parked/);
    const others = await ask(fleet.url, tool(ELICIT), { headers: as('dave') });
    assert.equal(others.result?.resultType, 'input_required', 'another caller is not affected');
  });

  it("a parked call keeps neither its first request (exchange, body) nor that request's inputResponses", async () => {
    const erin = { headers: as('erin') };
    const MiB = 1024 * 1024;
    // Answers to nothing the call asks: ignored, and never worth keeping while it waits.
    const unrelated = () => ({ unrelated: { action: 'cancel', pad: 'x'.repeat(MiB) } });
    const grown = await heapGrowth(async () => {
      for (let i = 0; i < 3; i++) {
        const parked = await ask(fleet.url, tool(ELICIT, { inputResponses: unrelated() }), erin);
        assert.equal(parked.result?.resultType, 'input_required', JSON.stringify(parked.error));
      }
    });
    assert.ok(grown < MiB, `three parked calls grew the heap by ${grown} B`);
  });

  it('refuses inputResponses with too many keys (-32602), without losing the call', async () => {
    const flood = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, { action: 'cancel' }]));
    const fresh = await ask(fleet.url, tool(ELICIT, { inputResponses: flood }), { headers: as('dave') });
    assert.equal(fresh.error?.code, ErrorCode.InvalidParams, JSON.stringify(fresh));
    const r1 = (await ask(fleet.url, tool(ELICIT), { headers: as('dave') }))
      .result as unknown as InputRequired;
    const retry = (inputResponses: unknown) =>
      ask(fleet.url, tool(ELICIT, { inputResponses, requestState: r1.requestState }), {
        headers: as('dave'),
      });
    const refused = await retry({ ...flood, user_name: answers.name('Di') });
    assert.equal(refused.error?.code, ErrorCode.InvalidParams, JSON.stringify(refused));
    const good = await retry({ user_name: answers.name('Di'), extra: { action: 'cancel' } });
    assert.equal(textOf(good.result), 'Hello, Di!');
  });

  it('refuses an envelope whose clientCapabilities or clientInfo is too large to keep with a parked call', async () => {
    const bulk = Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`x${i}`, { pad: 'y'.repeat(20) }]),
    );
    for (const [field, value] of [
      [META_KEYS.clientCapabilities, { ...ALL_INPUTS, experimental: bulk }],
      [META_KEYS.clientInfo, { name: 'big', version: '1', bulk }],
    ] as const) {
      const body = modernRequest(4, 'tools/call', tool(ELICIT), { [field]: value });
      const refused = await postModern(fleet.url, body, as('dave'));
      assert.equal((refused.json?.error as { code: number })?.code, ErrorCode.InvalidParams, field);
    }
  });

  it('refuses params fields outside those of tools/call, prompts/get and resources/read (-32602)', async () => {
    const alice = { headers: as('alice') };
    for (const [method, params] of [
      ['tools/call', { name: 'echo', arguments: { text: 'hi' }, pad: 'x' }],
      ['prompts/get', { name: 'simple_prompt', pad: 'x' }],
      ['resources/read', { uri: 'test://static/resource/1', pad: 'x' }],
    ] as const) {
      const refused = await ask(fleet.url, params, { ...alice, method });
      assert.equal(refused.error?.code, ErrorCode.InvalidParams, `${method}: ${JSON.stringify(refused)}`);
      assert.match(refused.error?.message ?? '', /pad/);
    }
    const tolerated = await ask(
      fleet.url,
      { name: 'echo', arguments: { text: 'hi' }, task: { ttl: 1000 } },
      alice,
    );
    assert.notEqual(tolerated.error?.code, ErrorCode.InvalidParams, JSON.stringify(tolerated));
  });

  it('a call whose params are over 256 KiB is refused (-32602) when it would park, never parked', async () => {
    const body = modernRequest(9, 'tools/call', tool(ELICIT), {
      [META_KEYS.clientCapabilities]: ALL_INPUTS,
      pad: 'x'.repeat(300 * 1024),
    });
    const big = (await postModern(fleet.url, body, as('alice'))).json?.error as {
      code: number;
      message: string;
    };
    assert.equal(big?.code, ErrorCode.InvalidParams, JSON.stringify(big));
    assert.match(big.message, /over 256 KiB cannot wait for client input/);
  });

  it('a requestState verifies in one encoding only (no spare signature bits)', async () => {
    const r1 = (await ask(fleet.url, tool(ELICIT), { headers: as('alice') }))
      .result as unknown as InputRequired;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(r1.requestState.slice(-1));
    const twin = `${r1.requestState.slice(0, -1)}${alphabet[last ^ 1]}`;
    const refused = await ask(
      fleet.url,
      tool(ELICIT, { inputResponses: { user_name: answers.name('Eve') }, requestState: twin }),
      { headers: as('alice') },
    );
    assert.equal(refused.error?.data?.reason, 'signature', JSON.stringify(refused));
  });

  it('Mcp-Method naming an Object.prototype member is an unknown method, never a 500', async () => {
    const call = modernRequest(1, 'tools/call', { name: 'echo', arguments: { text: 'x' } });
    const baseline = await postModern(fleet.url, call, { 'mcp-method': 'no/such', ...as('alice') });
    for (const method of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const own = await postModern(fleet.url, modernRequest(2, method), as('alice'));
      assert.equal(own.status, 404, `${method}: ${own.text}`);
      assert.equal((own.json?.error as { code: number }).code, ErrorCode.MethodNotFound, method);
      const mismatched = await postModern(fleet.url, call, { 'mcp-method': method, ...as('alice') });
      assert.equal(mismatched.status, baseline.status, `${method}: ${mismatched.text}`);
      assert.equal(
        (mismatched.json?.error as { code: number }).code,
        (baseline.json?.error as { code: number }).code,
        method,
      );
    }
  });

  it('integer Mcp-Param-* values must be decimal: 0x1, 1e0, +1, 01 and padded forms are refused', async () => {
    const send = (header: string, count = 1) =>
      post(fleet.url, modernRequest(3, 'tools/call', { name: 'lab_counted', arguments: { count } }), {
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'lab_counted',
        'mcp-param-count': header,
        ...as('alice'),
      });
    const b64 = (text: string) => `=?base64?${Buffer.from(text).toString('base64')}?=`;
    for (const ok of ['1', ' 1 ', '1.0', b64('1')]) assert.equal((await send(ok)).status, 200, ok);
    assert.equal((await send('-42', -42)).status, 200);
    for (const bad of ['0x1', '1e0', '+1', '01', b64('  1'), b64('1\n'), '1.5', 'Infinity']) {
      const refused = await send(bad);
      assert.equal(refused.status, 400, bad);
      assert.equal((refused.json?.error as { code: number }).code, ErrorCode.HeaderMismatch, bad);
    }
  });
});

describe('a provider asking for input during a 2026 request that cannot answer input_required', () => {
  it('gets an error at once instead of waiting for a client that cannot answer', async () => {
    const written: Record<string, unknown>[] = [];
    const stream = Object.assign(new EventEmitter(), {
      writable: true,
      end() {},
      write(frame: Record<string, unknown>) {
        written.push(frame);
        if (frame.request) {
          const paramsJson = Buffer.from(JSON.stringify({ message: 'which?', requestedSchema: {} }));
          queueMicrotask(() =>
            stream.emit('data', {
              frame: 'request',
              request: { id: 1, method: 'elicitation/create', paramsJson },
            }),
          );
        }
        if (frame.response) {
          const resultJson = Buffer.from('{"completion":{"values":[]}}');
          queueMicrotask(() => {
            stream.emit('data', { frame: 'result', result: { resultJson } });
            stream.emit('status', { code: 0, details: '' });
          });
        }
      },
    });
    const deps = {
      registry: { client: () => ({ Call: () => stream }) },
      minter: { token: async () => 'token' },
      serverRequests: { create: () => ({ message: {}, result: new Promise(() => {}) }) },
    } as unknown as Parameters<typeof callProvider>[0];
    const ctx = {
      session: {
        id: 'r',
        principal: 'p',
        protocolVersion: MODERN,
        clientCapabilities: ALL_INPUTS,
        logLevel: 'off',
      },
      caller: { subject: 's', principal: 'p', roles: [], scopes: [], method: 'api-key' },
      requestId: 1,
      headers: {},
      cancellation: new Cancellation(),
      emit: () => {},
      detach: () => {},
    } as unknown as Parameters<typeof callProvider>[1];
    const answered = callProvider(deps, ctx, 'lab', 'completion/complete', {}, 60_000);
    const result = await Promise.race([answered, sleep(1_000).then(() => 'still waiting')]);
    assert.notEqual(result, 'still waiting');
    const response = written.find((frame) => frame.response)?.response as { error?: { message: string } };
    assert.match(response?.error?.message ?? '', /completion\/complete.*input_required/);
  });
});
