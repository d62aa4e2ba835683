import { randomBytes } from 'node:crypto';

/** A replica's id: eight letters and digits (a dot, a colon or a glob never in it). */
export function newReplicaId(): string {
  return randomBytes(6).toString('base64url').replace(/[-_]/g, 'x');
}

/** Whether `id` has the form newReplicaId gives: what a client names may be anything. */
export function isReplicaId(id: string): boolean {
  return /^[A-Za-z0-9]{8}$/.test(id);
}
