/**
 * The e2e suite's handle on the cluster scripts/cluster.sh started: kubectl and helm (built from
 * Go modules, paths from scripts/e2e.sh), run without blocking the event loop, and waits that
 * poll the API until something holds.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with \`make e2e\` (scripts/e2e.sh)`);
  return value;
}

/** The namespace the fleet is installed in, and the one another team's provider goes to. */
export const NAMESPACE = 'mcp-fleet';
export const TEAM_NAMESPACE = 'team-weather';

export async function kubectl(args: string[], input?: string): Promise<string> {
  const child = run(required('MCPFLEET_KUBECTL'), ['--kubeconfig', required('KUBECONFIG'), ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (input !== undefined) child.child.stdin?.end(input);
  return (await child).stdout;
}

export async function kubectlJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

export async function helm(args: string[]): Promise<string> {
  const { stdout } = await run(required('MCPFLEET_HELM'), ['--kubeconfig', required('KUBECONFIG'), ...args], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Polls `check` until it returns a value (not undefined), or throws after `timeoutMs` with its last error. */
export async function until<T>(
  what: string | (() => string),
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${typeof what === 'string' ? what : what()}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** What the install step hands the later files of the suite (they run one after another). */
export interface FleetState {
  /** http://<gateway Service ClusterIP>:<port>/mcp */
  mcpUrl: string;
  /** The operator's API key (every tool allowed). */
  apiKey: string;
  /** The gateway's values file, for helm upgrade. */
  valuesFile: string;
}

const stateFile = () => join(required('MCPFLEET_E2E_DIR'), 'fleet.json');
export const saveState = (state: FleetState) => writeFileSync(stateFile(), JSON.stringify(state));
export const loadState = (): FleetState => JSON.parse(readFileSync(stateFile(), 'utf8')) as FleetState;
export const workDir = () => required('MCPFLEET_E2E_DIR');
