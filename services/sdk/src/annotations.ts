import type { ToolAnnotations } from './define.js';

/**
 * The annotation presets providers share, so a tool's hints are chosen by name rather than
 * spelled out (and drifting) in each provider. A tool that differs in one hint spreads a preset
 * and overrides that hint. Frozen: every provider holds the same objects.
 */

/** Reads only: no change anywhere, safe to repeat. */
export const READ_ONLY: Readonly<ToolAnnotations> = Object.freeze({
  readOnlyHint: true,
  idempotentHint: true,
  destructiveHint: false,
  openWorldHint: false,
});

/** Adds or changes something without destroying what was there; a repeat may change it again. */
export const WRITE: Readonly<ToolAnnotations> = Object.freeze({
  readOnlyHint: false,
  idempotentHint: false,
  destructiveHint: false,
  openWorldHint: false,
});

/** Adds or changes something so that a repeat changes nothing more (creating a directory, applying a manifest). */
export const IDEMPOTENT_WRITE: Readonly<ToolAnnotations> = Object.freeze({ ...WRITE, idempotentHint: true });

/** May delete or overwrite what was there. */
export const DESTRUCTIVE: Readonly<ToolAnnotations> = Object.freeze({
  readOnlyHint: false,
  idempotentHint: false,
  destructiveHint: true,
  openWorldHint: false,
});
