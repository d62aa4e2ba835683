import { FleetError } from '@mcp-fleet/contract';
import { Cancellation } from '../engine/cancellation.js';
import type { ParkedCall } from '../input-required/parked-call.js';
import { wireErrorOf } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';
import { isTerminal, type TaskChange, type TaskRecord } from './task-record.js';
import type { TaskStore } from './task-store.js';

/** A task's call serves its rounds to nobody: tasks carry no progress or log notifications. */
const NO_ONE = () => {};
const NEVER = new Cancellation();

/**
 * The provider call of one task, on the replica running it: each round the call serves ends in
 * the store (input_required with what it asks, completed with its result, failed with its
 * error); answers from tasks/update go to the asks waiting in the call.
 */
export class TaskRun {
  private resume?: () => void;
  private readonly expiry: NodeJS.Timeout;

  constructor(
    readonly record: TaskRecord,
    private readonly call: ParkedCall,
    private readonly store: TaskStore,
    /** The largest result kept, in bytes of its JSON text. */
    private readonly maxResultBytes: number,
    /** Called once the task reached a terminal status (or could not record one). */
    private readonly ended: (status: string) => void,
  ) {
    // A task outlives no one: past its ttlMs its record is gone, so its call must go too.
    this.expiry = setTimeout(() => {
      this.call.cancel('the task expired');
      this.wake();
    }, record.ttlMs);
    this.expiry.unref();
  }

  /**
   * Serves the call's rounds until it ends. Never throws: how it ended is in the store, or, when
   * the store failed, the task reads failed on its next tasks/get (it has no run any more).
   */
  async drive(): Promise<void> {
    const status = await this.rounds().catch(() => 'unrecorded');
    clearTimeout(this.expiry);
    this.call.cancel('the task ended');
    this.ended(status);
  }

  /** The call's rounds, each recorded; the status the task ended in. */
  private async rounds(): Promise<string> {
    for (;;) {
      const end = await this.call.serve(NO_ONE, NEVER, {}).catch((error: unknown) => ({ error }));
      if ('error' in end)
        return this.settle({
          status: 'failed',
          error: wireErrorOf(end.error),
          statusMessage: 'The call failed',
        });
      if (end.kind === 'complete') return this.settle(this.completed(end.result.text));
      await this.showAsks();
      // Answers that arrived while the round ended or was recorded leave nothing to wait for.
      await new Promise<void>((resolve) => {
        if (Object.keys(this.call.pending).length === 0) resolve();
        else this.resume = resolve;
      });
    }
  }

  /**
   * Hands answers to the asks that have keys in `responses` (others are ignored), records what
   * still waits, and lets the call go on. Throws -32602, answering none, when one is malformed.
   */
  async update(responses: JsonObject): Promise<void> {
    this.call.deliver(responses);
    const pending = this.call.pending;
    if (Object.keys(pending).length > 0)
      await this.show({ status: 'input_required', inputRequests: pending });
    else await this.show({ status: 'working' });
    this.wake();
  }

  /** Records the task cancelled, then cancels its call (the provider handler's signal aborts). */
  async cancel(): Promise<void> {
    await this.store.change(this.record.taskId, {
      status: 'cancelled',
      statusMessage: 'Cancelled by the client',
    });
    this.call.cancel('the task was cancelled');
    this.wake();
  }

  /** This replica stops (shutdown): the task ends failed with `message`, its call cancelled. */
  async abandon(message: string): Promise<void> {
    await this.store
      .change(this.record.taskId, {
        status: 'failed',
        statusMessage: message,
        error: new FleetError('Unavailable', message).toWire(),
      })
      .catch(() => {});
    this.call.cancel(message);
    this.wake();
  }

  /** Lets a call waiting for answers serve its next round (or its end). */
  private wake(): void {
    this.resume?.();
    this.resume = undefined;
  }

  /**
   * Records the asks still unanswered, again while tasks/update changes them under the write, so
   * the store never keeps asks already answered (nor `input_required` once all are).
   */
  private async showAsks(): Promise<void> {
    for (let shown = ''; ; ) {
      const pending = this.call.pending;
      const keys = Object.keys(pending).join('\n');
      if (keys === shown) return;
      const change: TaskChange =
        keys === '' ? { status: 'working' } : { status: 'input_required', inputRequests: pending };
      await this.show(change);
      shown = keys;
    }
  }

  /**
   * Records a state of the running task. Should the record already be terminal (another replica
   * found this one's lease lapsed and declared the task failed), the call is pointless: cancelled.
   */
  private async show(change: TaskChange): Promise<void> {
    const now = await this.store.change(this.record.taskId, change);
    if (!now || isTerminal(now.status)) {
      this.call.cancel('its task already ended');
      this.wake();
    }
  }

  /**
   * A task that completed with `result`; failed instead when the result is larger than a task
   * keeps (it would sit in the store, on every replica's reads, for the task's whole ttl).
   */
  private completed(result: string): TaskChange {
    const size = Buffer.byteLength(result);
    if (size <= this.maxResultBytes) return { status: 'completed', result };
    const message = `The task result (${size} bytes) is larger than the gateway keeps for a task (${this.maxResultBytes} bytes)`;
    return {
      status: 'failed',
      statusMessage: message,
      error: new FleetError('TaskResultTooLarge', message, {
        data: { limit: this.maxResultBytes, size },
      }).toWire(),
    };
  }

  /** The status the task ended in as the store holds it (a cancel may have come first). */
  private async settle(change: TaskChange): Promise<string> {
    return (await this.store.change(this.record.taskId, change))?.status ?? 'expired';
  }
}
