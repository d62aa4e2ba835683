import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApiKey } from '../src/auth/api-keys.js';
import { type Fleet, type FleetProvider, startFleet } from './support.js';

/** A fleet whose callers authenticate by API key, under a policy file a test may rewrite. */
export interface KeyedFleet {
  fleet: Fleet;
  /** The Authorization header of a caller, by subject. */
  as(subject: string): Record<string, string>;
  /** Rewrites the policy file and reloads it. */
  setPolicy(policy: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a fleet with one API key per caller (subject → roles) and `policy` as its policy file. */
export async function startKeyedFleet(
  providers: FleetProvider[],
  callers: Record<string, string[]>,
  policy: string,
  env: Record<string, string> = {},
): Promise<KeyedFleet> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-keyed-'));
  const keys = new Map(Object.keys(callers).map((subject) => [subject, generateApiKey(subject)]));
  const entries = [...keys].map(
    ([subject, key]) =>
      `  - { id: ${subject}, hash: "${key.hash}", subject: ${subject}, roles: [${callers[subject]?.join(', ')}] }`,
  );
  await writeFile(join(dir, 'auth.yaml'), ['apiKeys:', ...entries].join('\n'));
  const policyFile = join(dir, 'policy.yaml');
  await writeFile(policyFile, policy);
  const fleet = await startFleet(providers, {
    MCPFLEET_AUTH_FILE: join(dir, 'auth.yaml'),
    MCPFLEET_POLICY_FILE: policyFile,
    ...env,
  });
  return {
    fleet,
    as: (subject) => ({ authorization: `Bearer ${keys.get(subject)?.key}` }),
    async setPolicy(next) {
      // A reload notices the file by its modification time: let the clock move on first.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await writeFile(policyFile, next);
      if (!(await fleet.gateway.policy.reload())) throw new Error('the policy did not reload');
    },
    async close() {
      await fleet.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
