/** `@mcp-fleet/sdk/telemetry`: tracing for provider authors, the same as every fleet process uses. */
export * from '@mcp-fleet/runtime/telemetry';
