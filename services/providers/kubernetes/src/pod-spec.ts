/**
 * The pod specs a caller may write: an allow-list of fields, volume sources, env sources and
 * security settings, so that any spelling not listed (a new volume type, a future field) is
 * refused by construction. What is left out reaches a Secret, a credential or the node, whose
 * disk holds every Secret mounted there: the pod's logs, status or termination message would
 * then hand it to the caller.
 */

import { ANY, anyOf, each, fields, only, secret, visit } from './spec-rules.js';

const KEY_TO_PATH = each(fields(anyOf('key', 'path', 'mode')));
const CONFIG_MAP = fields({ ...anyOf('name', 'defaultMode', 'optional'), items: KEY_TO_PATH });
const SECRET = fields({ ...anyOf('secretName', 'name', 'defaultMode', 'optional'), items: KEY_TO_PATH });
const DOWNWARD_API = fields({
  defaultMode: ANY,
  items: each(fields(anyOf('path', 'fieldRef', 'resourceFieldRef', 'mode'))),
});

/**
 * Projected sources. A token for the API server's own audience is what admission mounts in
 * every pod of the default ServiceAccount; one for another audience (a vault) is a credential.
 */
const PROJECTION = fields({
  configMap: CONFIG_MAP,
  downwardAPI: DOWNWARD_API,
  secret: secret(SECRET),
  serviceAccountToken: fields({ ...anyOf('path', 'expirationSeconds'), audience: secret() }),
});

/** Volume sources that hold no Secret and do not reach the node: nothing else (hostPath, csi, nfs…). */
const VOLUME = fields({
  ...anyOf('name', 'emptyDir', 'persistentVolumeClaim', 'ephemeral', 'image'),
  configMap: CONFIG_MAP,
  downwardAPI: DOWNWARD_API,
  projected: fields({ defaultMode: ANY, sources: each(PROJECTION) }),
  secret: secret(SECRET),
});

const ENV = each(
  fields({
    ...anyOf('name', 'value'),
    valueFrom: fields({
      ...anyOf('fieldRef', 'resourceFieldRef', 'configMapKeyRef'),
      secretKeyRef: secret(),
    }),
  }),
);
const ENV_FROM = each(fields({ ...anyOf('prefix', 'configMapRef'), secretRef: secret() }));
const VOLUME_MOUNT = each(
  fields({
    ...anyOf('name', 'mountPath', 'readOnly', 'subPath', 'subPathExpr', 'recursiveReadOnly'),
    mountPropagation: only('None'),
  }),
);

const PROFILE = fields({ type: only('RuntimeDefault', 'Localhost'), localhostProfile: ANY });
/** The capabilities Pod Security "baseline" lets a container add; none of them leaves the container. */
const BASELINE_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];
const CONTAINER_SECURITY = fields({
  ...anyOf('runAsUser', 'runAsGroup', 'runAsNonRoot', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation'),
  privileged: only(false),
  procMount: only('Default'),
  capabilities: fields({ drop: ANY, add: each(only(...BASELINE_CAPABILITIES)) }),
  seccompProfile: PROFILE,
  appArmorProfile: PROFILE,
});
const POD_SECURITY = fields({
  ...anyOf(
    'runAsUser',
    'runAsGroup',
    'runAsNonRoot',
    'fsGroup',
    'fsGroupChangePolicy',
    'supplementalGroups',
    'supplementalGroupsPolicy',
    'seLinuxChangePolicy',
  ),
  seccompProfile: PROFILE,
  appArmorProfile: PROFILE,
});

const CONTAINER = fields({
  ...anyOf(
    'name',
    'image',
    'imagePullPolicy',
    'command',
    'args',
    'workingDir',
    'ports',
    'resources',
    'resizePolicy',
    'restartPolicy',
    'livenessProbe',
    'readinessProbe',
    'startupProbe',
    'lifecycle',
    'terminationMessagePath',
    'terminationMessagePolicy',
    'stdin',
    'stdinOnce',
    'tty',
    'volumeDevices',
  ),
  env: ENV,
  envFrom: ENV_FROM,
  volumeMounts: VOLUME_MOUNT,
  securityContext: CONTAINER_SECURITY,
});

/** Ephemeral containers are absent: they are added through their own subresource, never here. */
const POD_SPEC = fields({
  ...anyOf(
    'restartPolicy',
    'terminationGracePeriodSeconds',
    'activeDeadlineSeconds',
    'dnsPolicy',
    'dnsConfig',
    'nodeSelector',
    'nodeName',
    'affinity',
    'tolerations',
    'topologySpreadConstraints',
    'schedulerName',
    'priorityClassName',
    'priority',
    'preemptionPolicy',
    'enableServiceLinks',
    'hostname',
    'subdomain',
    'setHostnameAsFQDN',
    'hostAliases',
    'readinessGates',
    'schedulingGates',
    'resources',
    'os',
    'shareProcessNamespace',
    'automountServiceAccountToken',
    'hostUsers',
  ),
  containers: each(CONTAINER),
  initContainers: each(CONTAINER),
  volumes: each(VOLUME),
  hostNetwork: only(false),
  hostPID: only(false),
  hostIPC: only(false),
  securityContext: POD_SECURITY,
  serviceAccountName: { only: ['default'], credential: true },
  serviceAccount: { only: ['default'], credential: true },
  imagePullSecrets: secret(),
});

/**
 * What in a pod spec (found at `at`, e.g. `spec.template.spec`) lies outside the allow-list;
 * empty when the spec may be written.
 */
export function podSpecProblems(spec: unknown, at: string, workloadSecrets: boolean): string[] {
  const out: string[] = [];
  visit(spec, POD_SPEC, at, workloadSecrets, out);
  return out;
}

/** Pod-level fields that place or bound pods without changing what runs in them or what it reaches. */
const POD_OPERATIONAL = [
  'nodeSelector',
  'affinity',
  'tolerations',
  'topologySpreadConstraints',
  'priorityClassName',
  'priority',
  'preemptionPolicy',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'schedulingGates',
  'resources',
];
const CONTAINER_OPERATIONAL = ['resources', 'resizePolicy', 'imagePullPolicy'];

const without = (value: unknown, keys: string[]) =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)))
    : value;

/**
 * A pod spec less its operational fields: two specs with the same code are equal here, so a
 * change of resources or placement keeps what an operator wrote (Secrets included) as it was.
 */
export function codeOf(spec: unknown): unknown {
  const pod = without(spec, POD_OPERATIONAL) as Record<string, unknown>;
  const containers = (list: unknown) =>
    Array.isArray(list) ? list.map((c) => without(c, CONTAINER_OPERATIONAL)) : list;
  return { ...pod, containers: containers(pod.containers), initContainers: containers(pod.initContainers) };
}
