import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const FLEET_CHART = `${ROOT}helm/mcp-fleet`;
export const PROVIDER_CHART = `${ROOT}helm/provider-template`;

export function helmBinary(): string {
  const helm = process.env.MCPFLEET_HELM;
  if (!helm)
    throw new Error('MCPFLEET_HELM is not set: run the tests with `make test` (scripts/build-helm.sh)');
  return helm;
}

/** Runs helm; the outcome, never an exception, so tests can assert on failures too. */
export function helm(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(helmBinary(), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
  [key: string]: unknown;
};

/** `helm template` of a chart with values files and --set pairs; throws with helm's message on failure. */
export function render(
  chart: string,
  options: {
    release?: string;
    namespace?: string;
    values?: string[];
    set?: string[];
    kubeVersion?: string;
  } = {},
): Manifest[] {
  const args = [
    'template',
    options.release ?? 'fleet',
    chart,
    '--namespace',
    options.namespace ?? 'default',
    '--kube-version',
    options.kubeVersion ?? '1.34.1',
    ...(options.values ?? []).flatMap((file) => ['--values', file]),
    ...(options.set ?? []).flatMap((pair) => ['--set', pair]),
  ];
  const run = helm(...args);
  if (run.status !== 0) throw new Error(`helm ${args.join(' ')}: ${run.stderr}`);
  return parseAllDocuments(run.stdout)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}
