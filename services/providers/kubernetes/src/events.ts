import type { KubeApi } from './api.js';

interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: unknown;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
}

/** Events of a namespace matching a field selector, oldest first, in a compact shape. */
export async function eventsWhere(api: KubeApi, namespace: string, fieldSelector: string, limit: number) {
  const list = (await api.get(`/api/v1/namespaces/${namespace}/events`, { fieldSelector, limit })) as {
    items: KubeEvent[];
  };
  return list.items
    .map((e) => ({
      type: e.type,
      reason: e.reason,
      message: e.message,
      object: e.involvedObject,
      count: e.count,
      at: e.lastTimestamp ?? e.eventTime,
    }))
    .sort((x, y) => String(x.at).localeCompare(String(y.at)));
}
