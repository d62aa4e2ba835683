import { prompts } from './prompts.js';
import { resources } from './resources.js';
import { tools } from './tools.js';

export { WATCHED_RESOURCE, watched } from './resources.js';

/** Every definition the everything provider serves, for embedding it in tests of other services. */
export const definitions = [...tools, ...resources, ...prompts];
