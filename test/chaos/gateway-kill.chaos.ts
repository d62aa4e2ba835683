import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@mcp-fleet/sdk/testing';
import { Fleet, type Gateway, sharedRedisUrl } from './fleet.js';
import { dueBetween, underLoad } from './load.js';
import { loadAgent, McpSession, type Outcome } from './mcp-http.js';
import { judge, noErrors, nothingLost } from './results.js';

const SESSIONS_PER_REPLICA = 8;
/** Tries per call: the first, then the other replica once its peer stopped answering. */
const ATTEMPTS = 3;
const RETRY_PAUSE_MS = 100;

/**
 * A client as a load balancer with session affinity sees it: its session lives on one replica;
 * when that replica's socket fails (refused, reset mid-answer) the client resends the same
 * idempotent request with the same Mcp-Session-Id to the other replica, which finds the session in
 * Redis. Only a socket failure moves it: an answered error is the call's outcome.
 */
class ResumingSession {
  movedFrom?: string;
  /** Requests resent after a socket failure. */
  resent = 0;

  constructor(
    private readonly session: McpSession,
    private readonly replicas: string[],
  ) {}

  get id(): string {
    return this.session.id;
  }

  async echo(text: string, signal: AbortSignal): Promise<Outcome> {
    let outcome: Outcome = { ok: false, code: 'not tried', message: '', network: true };
    for (let attempt = 1; attempt <= ATTEMPTS && !signal.aborted; attempt++) {
      outcome = await this.session.callTool('everything_echo', { text }, { signal });
      if (outcome.ok || !outcome.network) return outcome;
      this.resent++;
      this.movedFrom ??= this.session.base;
      this.session.base = this.replicas.find((r) => r !== this.session.base) ?? this.session.base;
      await sleep(RETRY_PAUSE_MS);
    }
    return outcome;
  }
}

describe('chaos 3: one of two gateway replicas SIGKILLed under load, sessions in Redis', () => {
  let fleet: Fleet;
  let replicas: Gateway[];
  const agent = loadAgent();

  before(async () => {
    fleet = await Fleet.create('gateway-kill');
    const providerPort = await freePort();
    const options = {
      providers: [{ name: 'everything', target: `127.0.0.1:${providerPort}` }],
      redisUrl: sharedRedisUrl(),
    };
    replicas = [await fleet.gateway(options), await fleet.gateway(options)];
    await fleet.provider(providerPort);
    for (const replica of replicas) await fleet.ready(replica);
  });
  after(async () => {
    await agent.close();
    await fleet?.close();
  });

  it("resumes the killed replica's sessions on the other one: no idempotent result lost", async () => {
    const urls = replicas.map((r) => r.url);
    const sessions = await Promise.all(
      Array.from(
        { length: SESSIONS_PER_REPLICA * 2 },
        async (_, i) => new ResumingSession(await McpSession.open(agent, urls[i % 2] as string), urls),
      ),
    );
    const victim = replicas[0] as Gateway;
    const { load, chaos } = await underLoad(
      {
        rate: 150,
        durationMs: 8_000,
        call: (i, signal) => (sessions[i % sessions.length] as ResumingSession).echo(`call ${i}`, signal),
      },
      async (clock) => {
        await clock.at(2_500);
        const killedAt = clock.now();
        await victim.stop('SIGKILL');
        return { killedAt };
      },
    );
    const orphaned = sessions.filter((_, i) => i % 2 === 0);
    const resumed = orphaned.filter((s) => s.movedFrom === victim.url);
    const afterKill = dueBetween(load.records, chaos.killedAt);
    await judge(
      '3 gateway replica SIGKILL (2 replicas, Redis sessions)',
      "zero lost results for idempotent calls; the killed replica's sessions resume on the other",
      load,
      [
        nothingLost(load),
        noErrors(load),
        {
          name: 'every session of the killed replica resumed on the other with its own id',
          pass: resumed.length === orphaned.length,
          detail: `${resumed.length} of ${orphaned.length} moved`,
        },
        {
          name: 'calls ran after the kill',
          pass: afterKill.length > 0,
          detail: 'the load ended before the kill',
        },
      ],
      {
        'sessions resumed on the surviving replica': `${resumed.length}/${orphaned.length}`,
        'requests resent after a socket failure': sessions.reduce((n, s) => n + s.resent, 0),
      },
    );
  });
});
