import type { Metadata } from '@grpc/grpc-js';

/**
 * Sets `key` to `value` when gRPC metadata can carry it, and reports whether it did. grpc-js
 * throws on a key or value outside its characters (a newline from a caller or a peer); inside a
 * stream's listener that throw would end the process, so such a value is left out instead.
 */
export function setIfCarried(metadata: Metadata, key: string, value: string): boolean {
  try {
    metadata.set(key, value);
    return true;
  } catch {
    return false;
  }
}
