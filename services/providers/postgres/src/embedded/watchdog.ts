import { DatabaseError, type Watchdog } from '../database.js';
import type { EmbeddedSupervisor } from './supervisor.js';

/** After a cancellation, how long a call may take to end on its own before the database is killed. */
const CANCEL_GRACE_MS = 250;

/** The call failed because the embedded database was replaced under it or is being replaced: retry it. */
export class EmbeddedRestarted extends Error {
  override name = 'EmbeddedRestarted';
}

/** Waits for the database to serve, no longer than the call's deadline and never past its cancellation. */
async function untilServing(supervisor: EmbeddedSupervisor, deadline: number, signal: AbortSignal) {
  let timer: NodeJS.Timeout | undefined;
  let fail = () => {};
  const refused = new Promise<never>((_, reject) => {
    fail = () =>
      reject(
        new EmbeddedRestarted(
          `the embedded database is restarting (${supervisor.lastReason}): retry the call shortly`,
        ),
      );
    timer = setTimeout(fail, Math.max(0, deadline - Date.now()));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  try {
    await Promise.race([supervisor.ready(), refused]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', fail);
  }
}

/**
 * The caller sees what a real server's statement_timeout or cancel would give (SQLSTATE 57014)
 * at the deadline, or a short grace after a cancellation; the database, which cannot stop a
 * statement, is killed and restarted. A call that fails because another call's overrun restarted
 * the database is told so and may retry.
 */
function overseen<T>(
  supervisor: EmbeddedSupervisor,
  limits: { timeoutMs: number; deadline: number },
  signal: AbortSignal,
  work: () => Promise<T>,
): Promise<T> {
  const generation = supervisor.generation;
  return new Promise<T>((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined;
    let ended = () => {};
    const end = () => {
      clearTimeout(timer);
      clearTimeout(grace);
      signal.removeEventListener('abort', onAbort);
      ended();
    };
    const overrun = (reason: string, message: string) => {
      end();
      supervisor.replace(generation, reason);
      reject(new DatabaseError(message, '57014', undefined));
    };
    const timer = setTimeout(
      () =>
        overrun(
          `a call ran past its ${limits.timeoutMs} ms deadline`,
          'canceling statement due to statement timeout',
        ),
      Math.max(0, limits.deadline - Date.now()),
    );
    const onAbort = () => {
      supervisor.hold(
        new Promise((resolve) => {
          ended = resolve;
        }),
      );
      grace = setTimeout(
        () => overrun('a cancelled call did not end', 'canceling statement due to user request'),
        CANCEL_GRACE_MS,
      );
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work().then(
      (value) => {
        end();
        resolve(value);
      },
      (err: unknown) => {
        end();
        reject(
          supervisor.generation === generation
            ? err
            : new EmbeddedRestarted(
                `the embedded database was restarted (${supervisor.lastReason}) while this call ran: retry the call`,
              ),
        );
      },
    );
  });
}

/** The watchdog the provider's Database runs every transaction under when the database is embedded. */
export function embeddedWatchdog(supervisor: EmbeddedSupervisor): Watchdog {
  return {
    async guard(timeoutMs, signal, work) {
      const deadline = Date.now() + timeoutMs;
      await untilServing(supervisor, deadline, signal);
      return overseen(supervisor, { timeoutMs, deadline }, signal, work);
    },
  };
}
