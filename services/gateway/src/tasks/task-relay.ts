import { randomBytes } from 'node:crypto';
import { RelayedError, wireErrorOf } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';
import type { Bus } from '../session/types.js';

/** What one replica asks the replica running a task to do with it. */
export interface TaskOrder {
  kind: 'update' | 'cancel';
  taskId: string;
  responses?: JsonObject;
}

/** Carries out an order on the replica running the task; throws what the client should see. */
export type ObeyOrder = (order: TaskOrder) => Promise<void>;

/** How long the replica running a task has to carry out an order; silence means it is gone. */
const ORDER_TIMEOUT_MS = 2_000;

/** The replica running a task did not answer an order in time. */
export class ReplicaSilent extends Error {
  constructor(replica: string) {
    super(`replica ${replica} did not answer`);
  }
}

/**
 * Passes tasks/update and tasks/cancel to the replica running the task's provider call over the
 * bus (Redis pub/sub with replicas), and answers once that replica carried them out.
 */
export class TaskRelay {
  private readonly waiting = new Map<string, (reply: JsonObject) => void>();

  private readonly channelOf: (replica: string) => string;

  constructor(
    private readonly bus: Bus,
    private readonly obey: ObeyOrder,
    /** Where the channels of task orders are named (MCPFLEET_TASKS_PREFIX). */
    prefix: string,
  ) {
    this.channelOf = (replica) => `${prefix}tasks:${replica}`;
  }

  start(): Promise<() => void> {
    return this.bus.subscribe(this.channelOf(this.bus.replicaId), (payload) => {
      if (payload.type === 'order') return void this.carryOut(payload);
      this.waiting.get(String(payload.ticket))?.(payload);
    });
  }

  /** Sends `order` to `replica`; resolves once done, rejects with its error or ReplicaSilent. */
  send(replica: string, order: TaskOrder): Promise<void> {
    const ticket = randomBytes(12).toString('base64url');
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(ticket);
        reject(new ReplicaSilent(replica));
      }, ORDER_TIMEOUT_MS);
      this.waiting.set(ticket, (reply) => {
        clearTimeout(timer);
        this.waiting.delete(ticket);
        const error = reply.error as { code: number; message: string; data?: unknown } | undefined;
        if (error) reject(new RelayedError(Number(error.code), String(error.message), error.data));
        else resolve();
      });
      this.bus.publish(this.channelOf(replica), {
        type: 'order',
        ticket,
        replyTo: this.bus.replicaId,
        ...order,
      } as unknown as JsonObject);
    });
  }

  private async carryOut(payload: JsonObject): Promise<void> {
    const reply = (message: JsonObject) =>
      this.bus.publish(this.channelOf(String(payload.replyTo)), { ...message, ticket: payload.ticket });
    try {
      await this.obey({
        kind: payload.kind === 'cancel' ? 'cancel' : 'update',
        taskId: String(payload.taskId),
        responses: (payload.responses ?? {}) as JsonObject,
      });
      reply({ type: 'done' });
    } catch (err) {
      reply({ type: 'done', error: wireErrorOf(err) as unknown as JsonObject });
    }
  }
}
