import { prompts } from './prompts.js';
import { resources } from './resources.js';
import { triggerPromptChange, triggerToolChange } from './tools/catalog-triggers.js';
import { loggingTool, missingCapability } from './tools/diagnostics.js';
import { echo } from './tools/echo.js';
import { elicitation, elicitationDefaults, elicitationEnums } from './tools/elicitation.js';
import { headerParam } from './tools/headers.js';
import {
  inputCapabilities,
  inputElicitation,
  inputListRoots,
  inputMultiple,
  inputMultiRound,
  inputRequestState,
  inputSampling,
  inputTamperedState,
  streamingElicitation,
} from './tools/input-required.js';
import { jsonSchema202012 } from './tools/json-schema.js';
import { reconnection, withLogging, withProgress } from './tools/long-running.js';
import {
  audioContent,
  embeddedResource,
  errorHandling,
  imageContent,
  multipleContentTypes,
  simpleText,
} from './tools/results.js';
import { sampling } from './tools/sampling.js';
import {
  confirmDelete,
  failingJob,
  greet,
  multiInput,
  protocolErrorJob,
  slowCompute,
  toolWithTask,
} from './tools/tasks.js';

export { prompts } from './prompts.js';
export { resources, WATCHED_RESOURCE, watched } from './resources.js';
export { catalogChanges } from './tools/catalog-triggers.js';

/**
 * Every tool: the conformance suite's fixtures and echo. The first listed takes no arguments:
 * conformance calls the first tool of tools/list with none (SEP-2243's whitespace check).
 */
export const tools = [
  simpleText,
  echo,
  imageContent,
  audioContent,
  embeddedResource,
  multipleContentTypes,
  withLogging,
  errorHandling,
  loggingTool,
  missingCapability,
  headerParam,
  withProgress,
  sampling,
  elicitation,
  elicitationDefaults,
  elicitationEnums,
  jsonSchema202012,
  reconnection,
  inputElicitation,
  inputSampling,
  inputListRoots,
  inputRequestState,
  inputMultiple,
  inputMultiRound,
  inputTamperedState,
  inputCapabilities,
  streamingElicitation,
  triggerToolChange,
  triggerPromptChange,
  greet,
  slowCompute,
  failingJob,
  protocolErrorJob,
  confirmDelete,
  multiInput,
  toolWithTask,
];

/** Every definition the everything provider serves, for embedding it in tests of other services. */
export const definitions = [...tools, ...resources, ...prompts];
