import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { isMessage } from '../wiring/worker-messages.js';

const ASK = 'mcpfleet:metrics-ask';
const ANSWER = 'mcpfleet:metrics-answer';
/** A scrape waits this long for the primary (which waits 5 s for each worker). */
const ANSWER_TIMEOUT_MS = 10_000;

interface Ask {
  type: typeof ASK;
  id: number;
}
interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

/**
 * In the primary of several gateway workers: answers a worker's scrape with every worker's
 * metrics, summed (gauges by their own `aggregator`), so /metrics on any of them shows the pod.
 */
export function answerMetricsRequests(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<Ask>(message, ASK)) return;
    const answer = (fields: Omit<Answer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...fields });
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (err: Error) => answer({ error: err.message }),
    );
  });
}

/**
 * In a worker: offers `registry` to the primary's collection and returns what reads the metrics
 * of every worker through the primary.
 */
export function workerMetrics(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one is what makes this worker answer the primary's collection.
  void new AggregatorRegistry();
  const waiting = new Map<number, (answer: Answer) => void>();
  let next = 0;
  process.on('message', (message: unknown) => {
    if (isMessage<Answer>(message, ANSWER)) waiting.get(message.id)?.(message);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(
        () => settle({ type: ANSWER, id, error: 'the primary did not answer' }),
        ANSWER_TIMEOUT_MS,
      );
      const settle = (answer: Answer) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (answer.text !== undefined) resolve(answer.text);
        else reject(new Error(`metrics of the gateway workers: ${answer.error ?? 'no answer'}`));
      };
      waiting.set(id, settle);
      process.send?.({ type: ASK, id } satisfies Ask);
    });
}
