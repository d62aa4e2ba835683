import { trace } from '@opentelemetry/api';
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
    // Log lines carry the trace they belong to, so logs and traces join up.
    mixin() {
      const span = trace.getActiveSpan()?.spanContext();
      return span && trace.isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {};
    },
  });
}
