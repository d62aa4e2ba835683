/** A place in an object: keys of maps, indexes of lists. */
export type Path = (string | number)[];

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const at = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>(
    (node, key) => (node !== null && typeof node === 'object' ? (node as never)[key] : undefined),
    value,
  );

/** `spec.template.spec.volumes[0].secret`, as messages and prompts name a field. */
export const pathText = (path: Path) =>
  path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index ? '.' : ''}${key}`)).join('');
