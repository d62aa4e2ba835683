import { syntheticTools } from './tools/catalog.js';

export { syntheticTools } from './tools/catalog.js';

/** Defaults of the synthetic catalog: the size the tool-search measurements use. */
export const DEFAULT_TOOL_COUNT = 500;
export const DEFAULT_SEED = 42;

/** The catalog the synthetic provider serves by default, for embedding it in other services' tests. */
export const definitions = syntheticTools(DEFAULT_TOOL_COUNT, DEFAULT_SEED);
