import type { SharedState } from '../wiring/shared-state.js';
import { RedisTaskStore } from './redis-task-store.js';
import { MemoryTaskStore, type TaskStore } from './task-store.js';

/** Tasks where replicas share state: Redis when configured, this process's memory otherwise. */
export function taskStoreOf(state: SharedState, prefix: string): TaskStore {
  return state.redis ? new RedisTaskStore(state.redis, prefix) : new MemoryTaskStore();
}
