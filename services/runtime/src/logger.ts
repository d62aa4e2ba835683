import { type Logger, pino } from 'pino';

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const REDACT = ['authorization', 'token', 'password', 'secret', 'apiKey', 'jwt'].flatMap((key) => [
  key,
  `*.${key}`,
]);

export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
  });
}

/** Fields that tie a log line to its trace (see spanLogFields). */
export function traceFields(
  spanContext: { traceId: string; spanId: string } | undefined,
): Record<string, string> {
  return spanContext && spanContext.traceId !== '00000000000000000000000000000000'
    ? { trace_id: spanContext.traceId, span_id: spanContext.spanId }
    : {};
}
