import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createProviderClient, type ToolProviderClient } from '@mcp-fleet/contract';
import {
  freePort,
  type ProviderProcess,
  resultOf,
  runCall,
  spawnProvider,
  toolCall,
  waitFor,
} from '@mcp-fleet/sdk/testing';
import type { Result } from './support.js';

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** Generous bound for an answer: far below what a held provider takes, far above any honest call. */
export const ANSWER_WITHIN_MS = 20_000;

/** The real provider in a process of its own: what blocks it cannot block the test's event loop. */
export interface RunningProvider {
  process: ProviderProcess;
  client: ToolProviderClient;
  /** One tool call, answered within ANSWER_WITHIN_MS or failing the test. */
  call(tool: string, args: Record<string, unknown>, deadlineMs?: number): Promise<Result>;
  stop(): Promise<void>;
}

export async function startProviderProcess(env: Record<string, string>): Promise<RunningProvider> {
  const target = `127.0.0.1:${await freePort()}`;
  const process = spawnProvider(MAIN, ['--listen', target, '--insecure-no-identity'], env);
  // A fresh embedded data directory runs initdb first (seconds).
  await waitFor(() => process.output().includes('serving'), 'the provider to listen', 90_000);
  const client = createProviderClient(target);
  return {
    process,
    client,
    async call(tool, args, deadlineMs = ANSWER_WITHIN_MS) {
      return resultOf(await runCall(client, toolCall(tool, args), { deadlineMs })) as Result;
    },
    async stop() {
      client.close();
      process.child.kill('SIGTERM');
      assert.equal(await process.exited, 0, process.output());
    },
  };
}

export const text = (result: Result) => result.content.map((c) => c.text).join('\n');
