import { existsSync, readFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig, makeInformer, type V1Service } from '@kubernetes/client-node';
import { ConfigError, errorMessage, parseDuration } from '@mcp-fleet/runtime';
import type { Logger } from 'pino';
import { splitList } from '../config.js';
import type { ProviderConfig } from './providers-file.js';
import type { ProviderRegistry } from './registry.js';

/** A Service carrying this label (value `true`) announces a provider. */
export const PROVIDER_LABEL = 'mcp-fleet.io/provider';
/** Optional settings, as annotations on the Service. */
export const ANNOTATION = {
  name: 'mcp-fleet.io/name',
  prefix: 'mcp-fleet.io/prefix',
  port: 'mcp-fleet.io/port',
  timeout: 'mcp-fleet.io/timeout',
} as const;

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const PREFIX = /^[A-Za-z0-9_-]{0,32}$/;
const RESTART_MS = 5_000;

export interface DiscoveryOptions {
  kubeConfig: KubeConfig;
  namespaces: string[];
  /** The cluster's DNS domain, for `<service>.<namespace>.svc.<domain>`. */
  clusterDomain: string;
  defaultTimeoutMs: number;
  /**
   * Follow ExternalName Services too. Off by default: such a Service can point the gateway at any
   * host name, inside the cluster or not, and whoever may create Services in a watched namespace
   * would choose where calls (and their identity tokens) go.
   */
  externalNames: boolean;
}

/**
 * The provider a labelled Service announces: name (annotation, else the Service's name), prefix
 * (annotation, else the name), gRPC port (annotation by number or port name, else the port named
 * `grpc`, else the only port) and timeout. The target is the Service's DNS name, round-robin over
 * its addresses (an ExternalName Service points at its external name). Problems come back as text.
 */
export function providerOfService(
  service: V1Service,
  options: Pick<DiscoveryOptions, 'clusterDomain' | 'defaultTimeoutMs' | 'externalNames'>,
): ProviderConfig | { problems: string[] } {
  const annotations = service.metadata?.annotations ?? {};
  const serviceName = service.metadata?.name ?? '';
  const namespace = service.metadata?.namespace ?? '';
  const problems: string[] = [];
  const name = annotations[ANNOTATION.name] ?? serviceName;
  if (!NAME.test(name)) problems.push(`name ${JSON.stringify(name)} must match ${NAME.source}`);
  const prefix = annotations[ANNOTATION.prefix] ?? name;
  if (!PREFIX.test(prefix)) problems.push(`prefix ${JSON.stringify(prefix)} must match ${PREFIX.source}`);
  const ports = service.spec?.ports ?? [];
  const wanted = annotations[ANNOTATION.port];
  const port = wanted
    ? (ports.find((p) => p.name === wanted)?.port ?? (/^\d+$/.test(wanted) ? Number(wanted) : undefined))
    : (ports.find((p) => p.name === 'grpc') ?? (ports.length === 1 ? ports[0] : undefined))?.port;
  if (port === undefined || port < 1 || port > 65535)
    problems.push(
      wanted
        ? `port ${JSON.stringify(wanted)} is neither a port name of the Service nor a number`
        : `no port named grpc among ${ports.length} ports: set ${ANNOTATION.port}`,
    );
  const timeout = annotations[ANNOTATION.timeout];
  const timeoutMs = timeout === undefined ? options.defaultTimeoutMs : parseDuration(timeout);
  if (timeoutMs === undefined) problems.push(`timeout ${JSON.stringify(timeout)} is not a duration`);
  const external = service.spec?.type === 'ExternalName';
  if (external && !options.externalNames)
    problems.push('an ExternalName Service is followed only with MCPFLEET_DISCOVERY_EXTERNAL_NAMES=true');
  if (problems.length > 0 || port === undefined || timeoutMs === undefined) return { problems };
  const host =
    external && service.spec?.externalName
      ? service.spec.externalName
      : `${serviceName}.${namespace}.svc.${options.clusterDomain}`;
  return { name, target: `dns:///${host}:${port}`, prefix, timeoutMs, toolTimeoutsMs: {} };
}

/**
 * Follows labelled Services in the given namespaces and keeps the registry in step: a Service
 * added, changed or deleted adds, replaces or removes its provider (clients get list_changed). A
 * name already taken (the providers file, or another Service) is refused and logged; the first
 * owner keeps it. Watches that break are restarted.
 */
export async function startKubeDiscovery(
  registry: ProviderRegistry,
  options: DiscoveryOptions,
  logger: Logger,
): Promise<{ stop(): Promise<void> }> {
  const api = options.kubeConfig.makeApiClient(CoreV1Api);
  const labelSelector = `${PROVIDER_LABEL}=true`;
  /** Which provider each Service (namespace/name) put in the registry. */
  const owned = new Map<string, string>();
  const keyOf = (service: V1Service) => `${service.metadata?.namespace}/${service.metadata?.name}`;

  const forget = (service: V1Service) => {
    const name = owned.get(keyOf(service));
    if (name === undefined) return;
    owned.delete(keyOf(service));
    registry.remove(name);
  };
  const apply = (service: V1Service) => {
    const key = keyOf(service);
    const config = providerOfService(service, options);
    if ('problems' in config) {
      logger.error({ service: key, problems: config.problems }, 'discovery: Service ignored');
      forget(service);
      return;
    }
    const previous = owned.get(key);
    if (previous !== undefined && previous !== config.name) forget(service);
    if (previous !== config.name && registry.has(config.name)) {
      logger.error(
        { service: key, provider: config.name },
        'discovery: provider name already taken, Service ignored',
      );
      return;
    }
    owned.set(key, config.name);
    registry.upsert(config);
  };

  const informers = options.namespaces.map((namespace) => {
    const informer = makeInformer<V1Service>(
      options.kubeConfig,
      `/api/v1/namespaces/${namespace}/services`,
      () => api.listNamespacedService({ namespace, labelSelector }),
      labelSelector,
    );
    informer.on('add', apply);
    informer.on('update', apply);
    informer.on('delete', forget);
    let stopped = false;
    informer.on('error', (err) => {
      if (stopped) return;
      logger.warn({ namespace, err: errorMessage(err) }, 'discovery: watch broken, restarting');
      setTimeout(() => {
        if (!stopped) informer.start().catch(() => undefined);
      }, RESTART_MS).unref();
    });
    return {
      start: () => informer.start(),
      stop: async () => {
        stopped = true;
        await informer.stop();
      },
    };
  });
  await Promise.all(informers.map((i) => i.start())).catch((err) => {
    throw new ConfigError([`discovery: cannot list Services: ${errorMessage(err)}`]);
  });
  logger.info({ namespaces: options.namespaces, label: labelSelector }, 'discovery: watching Services');
  return {
    async stop() {
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** Discovery settings from the gateway's configuration, or undefined when it is off. */
export function discoveryOptions(config: {
  discovery: string;
  discoveryNamespaces?: string;
  discoveryKubeconfig?: string;
  discoveryExternalNames: boolean;
  clusterDomain: string;
  toolTimeout: number;
}): DiscoveryOptions | undefined {
  if (config.discovery === 'off') return undefined;
  if (config.discovery !== 'kubernetes')
    throw new ConfigError([
      `MCPFLEET_DISCOVERY must be off or kubernetes, not ${JSON.stringify(config.discovery)}`,
    ]);
  const kubeConfig = new KubeConfig();
  if (config.discoveryKubeconfig) kubeConfig.loadFromFile(config.discoveryKubeconfig);
  else if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else
    throw new ConfigError([
      'MCPFLEET_DISCOVERY=kubernetes needs MCPFLEET_DISCOVERY_KUBECONFIG outside a cluster',
    ]);
  const own = existsSync(SERVICE_ACCOUNT_NAMESPACE)
    ? readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim()
    : undefined;
  const namespaces = splitList(config.discoveryNamespaces);
  if (namespaces.length === 0 && !own)
    throw new ConfigError(['MCPFLEET_DISCOVERY_NAMESPACES is required outside a cluster']);
  return {
    kubeConfig,
    namespaces: namespaces.length > 0 ? namespaces : [own ?? ''],
    clusterDomain: config.clusterDomain,
    defaultTimeoutMs: config.toolTimeout,
    externalNames: config.discoveryExternalNames,
  };
}
