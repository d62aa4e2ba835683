/** The input-schema fragments the tools share. */

export const NAME = { type: 'string', minLength: 1, maxLength: 253 };
export const NAMESPACE = {
  type: 'string',
  minLength: 1,
  maxLength: 63,
  description: 'an allowed namespace (left out for cluster-scoped kinds)',
};
export const CONTEXT = {
  type: 'string',
  minLength: 1,
  maxLength: 253,
  description: 'a context from contexts_list; the default one when absent',
};
/** The fields that name one object. */
export const OBJECT_REF = {
  context: CONTEXT,
  kind: NAME,
  apiVersion: NAME,
  namespace: NAMESPACE,
  name: NAME,
};
export const OBJECT_REQUIRED = ['kind', 'name'];
export type ObjectRef = {
  context?: string;
  kind: string;
  apiVersion?: string;
  namespace?: string;
  name: string;
};
export const SELECTOR = { type: 'string', maxLength: 1024 };
export const OUTPUT = { type: 'string', enum: ['json', 'yaml'], default: 'json' };

/** The kind schema of the workload tools: Deployment when absent. */
export const WORKLOAD_KIND = {
  type: 'string',
  minLength: 1,
  maxLength: 253,
  default: 'Deployment',
  description: 'Deployment, StatefulSet or DaemonSet',
};
/** The fields that name one workload. */
export const WORKLOAD_REF = { context: CONTEXT, kind: WORKLOAD_KIND, namespace: NAMESPACE, name: NAME };

export const DRY_RUN = {
  type: 'boolean',
  default: false,
  description: 'validate on the server, change nothing',
};
