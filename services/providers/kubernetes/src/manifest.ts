import { type Document, isMap, isScalar, parseAllDocuments, visit } from 'yaml';
import { Refused } from './api.js';
import type { KubeObject } from './shown.js';

export const MAX_MANIFEST = 1024 * 1024;
export const MAX_OBJECTS = 100;

/**
 * Nesting deeper than this is refused before parsing: the parser spends seconds and more than
 * 512 MB on 500,000 levels, and cannot build a tree past about a thousand anyway. Counted
 * loosely (brackets inside strings too), so the bound sits far above any real manifest.
 */
const MAX_DEPTH = 256;
/** Block collections opened on one line (`- - - x`, `? ? x`): the compact form of nesting. */
const COMPACT_NESTING = /^(?:[ \t]*[-?:][ \t]+)+/gm;

/** The deepest nesting of flow collections, or of compact block collections on one line. */
function nestingDepth(manifest: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < manifest.length; i++) {
    const c = manifest.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  for (const [indicators] of manifest.matchAll(COMPACT_NESTING))
    deepest = Math.max(deepest, indicators.replace(/[ \t]/g, '').length);
  return deepest;
}

/** Lines that start a document: YAML ends any scalar or collection at one, so it bounds the count. */
const DOCUMENT_START = /^---(?:[ \t\r\n]|$)/gm;

/**
 * Map keys must be unique, as the YAML library would check, but in linear time: its own check
 * compares every key with every other (70,000 keys: 33 s). Keys of a Kubernetes object are
 * strings, so a key that is not a plain value is refused.
 */
function refuseDuplicateKeys(doc: Document.Parsed): void {
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) throw new Refused('invalid YAML: a mapping key must be a plain value');
        const key = String(pair.key.value);
        if (seen.has(key))
          throw new Refused(`invalid YAML: map keys must be unique ("${key.slice(0, 100)}")`);
        seen.add(key);
      }
    },
  });
}

/**
 * Objects of a multi-document manifest, `List`s flattened. Aliases are capped so a
 * billion-laughs document fails to parse instead of expanding. CPU-bound on hostile input
 * (nesting: seconds per megabyte): the provider runs it in a worker (manifest-parser.ts).
 */
export function manifestObjects(manifest: string): KubeObject[] {
  if (Buffer.byteLength(manifest) > MAX_MANIFEST)
    throw new Refused(`the manifest exceeds ${MAX_MANIFEST} bytes`);
  if ((manifest.match(DOCUMENT_START)?.length ?? 0) > MAX_OBJECTS)
    throw new Refused(`the manifest holds more than ${MAX_OBJECTS} documents`);
  if (nestingDepth(manifest) > MAX_DEPTH)
    throw new Refused(`the manifest is nested more than ${MAX_DEPTH} levels deep`);
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(manifest, { uniqueKeys: false })) {
    if (doc.errors.length > 0) throw new Refused(`invalid YAML: ${doc.errors[0]?.message}`);
    refuseDuplicateKeys(doc);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 50 });
    } catch (err) {
      throw new Refused(`invalid YAML: ${(err as Error).message}`);
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new Refused('every document must be an object');
    const object = value as KubeObject & { kind?: unknown; items?: unknown };
    if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items))
      objects.push(...(object.items as KubeObject[]));
    else objects.push(object);
  }
  if (objects.length === 0) throw new Refused('the manifest holds no objects');
  if (objects.length > MAX_OBJECTS) throw new Refused(`the manifest holds more than ${MAX_OBJECTS} objects`);
  return objects;
}
