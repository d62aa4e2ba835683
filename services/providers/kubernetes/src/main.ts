#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { runProvider } from '@mcp-fleet/sdk';
import { clustersOf, kubernetesTools } from './provider.js';

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`${key} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
  return value as T;
}

/** Where a pod's ServiceAccount says which namespace the pod runs in. */
const OWN_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * The namespaces the fleet runs in: those the operator names, and the provider's own when it runs
 * in a cluster (the gateway and the other providers usually share it), so it is never writable
 * through the provider, even where the operator forgot to say so.
 */
function fleetNamespacesOf(named: string[]): string[] {
  const own = existsSync(OWN_NAMESPACE_FILE) ? readFileSync(OWN_NAMESPACE_FILE, 'utf8').trim() : '';
  return [...new Set([...named, ...(own ? [own] : [])])];
}

/** The provider's own credentials: a kubeconfig file, else the pod's ServiceAccount. */
function loadKubeConfig(file: string | undefined, context: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (file) {
    if (!existsSync(file)) throw new Error(`kubeconfig ${file} does not exist`);
    kc.loadFromFile(file);
  } else if (process.env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    throw new Error('no kubeconfig: set MCPFLEET_K8S_KUBECONFIG (or KUBECONFIG), or run in a cluster');
  }
  if (context) {
    if (!kc.getContexts().some((c) => c.name === context))
      throw new Error(`context ${context} is not in the kubeconfig`);
    kc.setCurrentContext(context);
  }
  return kc;
}

await runProvider({
  name: 'kubernetes',
  version: '0.1.0',
  defaultPort: 50055,
  config: {
    kubeconfig: {
      kind: 'string',
      env: 'MCPFLEET_K8S_KUBECONFIG',
      flag: 'kubeconfig',
      default: process.env.KUBECONFIG,
      doc: 'kubeconfig file (in a cluster: the ServiceAccount when unset)',
    },
    context: {
      kind: 'string',
      env: 'MCPFLEET_K8S_CONTEXT',
      flag: 'context',
      doc: 'default kubeconfig context (the current one when unset)',
    },
    contexts: {
      kind: 'string',
      env: 'MCPFLEET_K8S_CONTEXTS',
      flag: 'contexts',
      default: '',
      doc: 'comma-separated further contexts callers may name; only the default one when empty',
    },
    namespaces: {
      kind: 'string',
      env: 'MCPFLEET_K8S_NAMESPACES',
      flag: 'namespaces',
      default: 'default',
      doc: 'comma-separated namespaces callers may read',
    },
    deniedKinds: {
      kind: 'string',
      env: 'MCPFLEET_K8S_DENIED_KINDS',
      flag: 'denied-kinds',
      default: '',
      doc: 'comma-separated resource types never served (resource, resource.group or Kind)',
    },
    secrets: {
      kind: 'string',
      env: 'MCPFLEET_K8S_SECRETS',
      flag: 'secrets',
      default: 'deny',
      doc: 'deny: Secrets are never served; masked: served with every value masked',
    },
    clusterScoped: {
      kind: 'string',
      env: 'MCPFLEET_K8S_CLUSTER_SCOPED',
      flag: 'cluster-scoped',
      default: 'none',
      doc: 'none, read or write: access to cluster-scoped kinds (Nodes, ClusterRoles, CRDs…)',
    },
    workloadSecrets: {
      kind: 'bool',
      env: 'MCPFLEET_K8S_WORKLOAD_SECRETS',
      flag: 'workload-secrets',
      default: false,
      doc: 'let pod specs written through the provider use Secrets, other ServiceAccounts and tokens for other audiences (their logs can reveal them)',
    },
    writeKinds: {
      kind: 'string',
      env: 'MCPFLEET_K8S_WRITE_KINDS',
      flag: 'write-kinds',
      default: '',
      doc: 'comma-separated kinds the write tools may touch beyond workloads, Services, ConfigMaps, PVCs, HPAs and PDBs (resource, or resource.group: secrets, roles.rbac.authorization.k8s.io); RBAC kinds let callers grant what the provider can do',
    },
    fleetNamespaces: {
      kind: 'string',
      env: 'MCPFLEET_K8S_FLEET_NAMESPACES',
      flag: 'fleet-namespaces',
      default: '',
      doc: "comma-separated namespaces that hold the fleet (the gateway's, the providers', those its discovery follows): read-only whatever MCPFLEET_K8S_WRITE, no exec; the provider's own namespace is added when it runs in a cluster",
    },
    write: {
      kind: 'bool',
      env: 'MCPFLEET_K8S_WRITE',
      flag: 'write',
      default: false,
      doc: 'register the write tools (apply, patch, scale, rollout, delete)',
    },
    exec: {
      kind: 'bool',
      env: 'MCPFLEET_K8S_EXEC',
      flag: 'exec',
      default: false,
      doc: 'register exec (commands in containers; asks the user first unless MCPFLEET_K8S_CONFIRM=never)',
    },
    execTimeout: {
      kind: 'duration',
      env: 'MCPFLEET_K8S_EXEC_TIMEOUT',
      flag: 'exec-timeout',
      default: 30_000,
      doc: 'longest run of one exec command',
    },
    confirm: {
      kind: 'string',
      env: 'MCPFLEET_K8S_CONFIRM',
      flag: 'confirm',
      default: 'destructive',
      doc: 'destructive: delete, rollout restart/undo, exec, a scale down, writes that replace pods and other changes not known to be safe ask the user (MCP elicitation) and are refused when the client cannot ask; never',
    },
    timeout: {
      kind: 'duration',
      env: 'MCPFLEET_K8S_TIMEOUT',
      flag: 'timeout',
      default: 15_000,
      doc: 'per API request',
    },
  },
  async setup(config) {
    const kc = loadKubeConfig(config.kubeconfig, config.context);
    const secrets = oneOf('MCPFLEET_K8S_SECRETS', config.secrets, ['deny', 'masked'] as const);
    const policy = {
      namespaces: list(config.namespaces),
      deniedKinds: [...(secrets === 'deny' ? ['secrets'] : []), ...list(config.deniedKinds)],
      clusterScoped: oneOf('MCPFLEET_K8S_CLUSTER_SCOPED', config.clusterScoped, [
        'none',
        'read',
        'write',
      ] as const),
      workloadSecrets: config.workloadSecrets,
      writeKinds: list(config.writeKinds).map((kind) => kind.toLowerCase()),
      fleetNamespaces: fleetNamespacesOf(list(config.fleetNamespaces)),
    };
    const clusters = clustersOf(kc, list(config.contexts), config.timeout);
    return {
      instructions: `Kubernetes objects in namespaces ${policy.namespaces.join(', ')}${config.write ? '' : '; read-only'}.`,
      definitions: kubernetesTools({
        clusters,
        policy,
        write: config.write,
        confirm: oneOf('MCPFLEET_K8S_CONFIRM', config.confirm, ['destructive', 'never'] as const),
        exec: config.exec ? { timeoutMs: config.execTimeout } : undefined,
      }),
    };
  },
});
