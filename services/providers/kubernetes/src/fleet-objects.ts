import { Refused } from './api.js';
import { isObject } from './object-paths.js';
import type { KubeObject } from './shown.js';

/**
 * Labels and annotations under this prefix are the fleet's own: the gateway's discovery follows
 * Services labelled `mcp-fleet.io/provider=true` and reads its settings (name, prefix, port) from
 * `mcp-fleet.io/*` annotations. Written by a caller, they would announce a provider of the
 * caller's choosing to every agent, or point a known one elsewhere.
 */
const FLEET_PREFIX = 'mcp-fleet.io/';
const PROVIDER_LABEL = `${FLEET_PREFIX}provider`;

const mapAt = (object: KubeObject | undefined, field: 'labels' | 'annotations'): Record<string, unknown> => {
  const value = object?.metadata?.[field];
  return isObject(value) ? value : {};
};

/** True when the object announces a provider to the gateway (whatever the label's value). */
export function announcesProvider(object: KubeObject | undefined): boolean {
  return Object.hasOwn(mapAt(object, 'labels'), PROVIDER_LABEL);
}

const ANNOUNCES =
  'announces a provider to the gateway (label mcp-fleet.io/provider): it is changed by its owner, never through this provider';

/** Refuses a write (delete included) of an object that announces a provider. */
export function refuseProviderAnnouncement(object: KubeObject | undefined, label: string): void {
  if (announcesProvider(object)) throw new Refused(`${label} ${ANNOUNCES}`);
}

/**
 * What a write does to the fleet's metadata: any `mcp-fleet.io/` label or annotation set, changed
 * or removed, and any change of an object that announces a provider (its selector and ports are
 * where the gateway sends calls and identity tokens).
 */
export function fleetMetadataProblems(before: KubeObject | undefined, after: KubeObject): string[] {
  if (announcesProvider(before)) return [ANNOUNCES];
  const problems: string[] = [];
  for (const field of ['labels', 'annotations'] as const) {
    const old = mapAt(before, field);
    const now = mapAt(after, field);
    for (const key of new Set([...Object.keys(old), ...Object.keys(now)]))
      if (key.startsWith(FLEET_PREFIX) && old[key] !== now[key])
        problems.push(
          `metadata.${field}["${key}"] is the fleet's own (the gateway's provider discovery reads it): not writable through this provider`,
        );
  }
  return problems;
}
