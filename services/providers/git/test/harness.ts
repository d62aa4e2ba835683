import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resultOf, runCall, type TestProvider, toolCall } from '@mcp-fleet/sdk/testing';

export type Result = {
  content: { text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

/** Test-side git, with hooks off so fixtures never run anything of their own. */
export const sh = (cwd: string, ...args: string[]) =>
  execFileSync(
    'git',
    ['-c', 'user.name=T', '-c', 'user.email=t@t', '-c', 'core.hooksPath=/dev/null', ...args],
    { cwd, encoding: 'utf8' },
  );

/** Calls tools of a started provider; `refused` asserts a tool error whose text matches. */
export function caller(server: () => TestProvider) {
  const call = async (tool: string, args: Record<string, unknown>) =>
    resultOf(await runCall(server().client, toolCall(tool, args))) as Result;
  const out = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');
  const refused = async (tool: string, args: Record<string, unknown>, reason: RegExp) => {
    const result = await call(tool, args);
    assert.equal(result.isError, true, `${tool} ${JSON.stringify(args)}: ${out(result)}`);
    assert.match(out(result), reason);
  };
  const ok = async (tool: string, args: Record<string, unknown>) => {
    const result = await call(tool, args);
    assert.notEqual(result.isError, true, `${tool} ${JSON.stringify(args)}: ${out(result)}`);
    return result;
  };
  return { call, out, refused, ok };
}
