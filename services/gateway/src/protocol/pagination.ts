import { invalidParams } from './errors.js';
import type { JsonObject } from './messages.js';

/** Cursors are opaque to clients: an offset, base64url-encoded so nobody builds one by hand. */
export function paginate(
  items: readonly JsonObject[],
  cursor: unknown,
  pageSize: number,
): { page: JsonObject[]; nextCursor?: string } {
  let offset = 0;
  if (cursor !== undefined) {
    const decoded =
      typeof cursor === 'string'
        ? /^o(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
        : null;
    if (!decoded?.[1]) throw invalidParams('Invalid cursor');
    offset = Number(decoded[1]);
  }
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return next < items.length ? { page, nextCursor: Buffer.from(`o${next}`).toString('base64url') } : { page };
}
