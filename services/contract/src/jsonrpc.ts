/** MCP logging levels, least to most severe (RFC 5424 order). */
export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * The threshold of a request that asked for no log messages (MCP 2026-07-28 without
 * `io.modelcontextprotocol/logLevel`): nothing passes it.
 */
export const NO_LOGS = 'off';

export type LogThreshold = LogLevel | typeof NO_LOGS;

/** True when a message at `level` passes a `threshold` set by logging/setLevel or a request's `_meta`. */
export function logLevelPasses(level: LogLevel, threshold: LogThreshold): boolean {
  return threshold !== NO_LOGS && LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}
