import { dumpYaml } from '@kubernetes/client-node';
import type { ResourceType } from './kinds.js';

export type KubeObject = {
  metadata?: { managedFields?: unknown; [k: string]: unknown };
  [k: string]: unknown;
};

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const MASK = '<masked>';

const maskValues = (values: unknown) =>
  values && typeof values === 'object'
    ? Object.fromEntries(Object.keys(values).map((key) => [key, MASK]))
    : values;

/** The fields of a Secret shown to callers, values masked; any other field is left out. */
const SECRET_FIELDS = ['apiVersion', 'kind', 'metadata', 'type', 'immutable', 'data', 'stringData'];

/**
 * An object as callers see it: without managedFields (API-server bookkeeping, noise to a model),
 * and for a Secret (list items carry no kind, so the caller says) only the fields known to be
 * safe, with every value masked: data, stringData and the last-applied annotation that repeats
 * them. Keys stay visible.
 */
export function shown(object: KubeObject, secret: boolean): KubeObject {
  const { managedFields: _, ...metadata } = object.metadata ?? {};
  if (!secret && !(object.kind === 'Secret' && object.apiVersion === 'v1')) return { ...object, metadata };
  const annotations = metadata.annotations as Record<string, string> | undefined;
  const masked: KubeObject = {
    ...object,
    metadata: {
      ...metadata,
      ...(annotations?.[LAST_APPLIED] ? { annotations: { ...annotations, [LAST_APPLIED]: MASK } } : {}),
    },
    ...('data' in object ? { data: maskValues(object.data) } : {}),
    ...('stringData' in object ? { stringData: maskValues(object.stringData) } : {}),
  };
  return Object.fromEntries(Object.entries(masked).filter(([key]) => SECRET_FIELDS.includes(key)));
}

export const isSecret = (type: ResourceType) => type.group === '' && type.resource === 'secrets';

/** A tool result: the value as JSON or YAML text, and as structured content. */
export function render(value: unknown, output: 'json' | 'yaml' = 'json') {
  return {
    content: [
      { type: 'text' as const, text: output === 'yaml' ? dumpYaml(value) : JSON.stringify(value, null, 2) },
    ],
    structuredContent: value as Record<string, unknown>,
  };
}
