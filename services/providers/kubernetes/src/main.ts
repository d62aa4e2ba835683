#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { runProvider } from '@mcp-fleet/sdk';
import { contextsOf, kubeApi, kubernetesTools } from './provider.js';

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

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
      doc: 'kubeconfig context to use',
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
    write: {
      kind: 'bool',
      env: 'MCPFLEET_K8S_WRITE',
      flag: 'write',
      default: false,
      doc: 'register the write tools (apply, scale, delete)',
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
    if (config.secrets !== 'deny' && config.secrets !== 'masked')
      throw new Error(`MCPFLEET_K8S_SECRETS must be deny or masked, not ${JSON.stringify(config.secrets)}`);
    const policy = {
      namespaces: list(config.namespaces),
      deniedKinds: [...(config.secrets === 'deny' ? ['secrets'] : []), ...list(config.deniedKinds)],
    };
    return {
      instructions: `Kubernetes objects in namespaces ${policy.namespaces.join(', ')}${config.write ? '' : '; read-only'}.`,
      definitions: kubernetesTools({
        api: kubeApi(kc, config.timeout),
        policy,
        write: config.write,
        contexts: contextsOf(kc),
      }),
    };
  },
});
