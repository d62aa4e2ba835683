/** The input schema of a tool that takes no arguments. */
export const NO_ARGUMENTS = { type: 'object', properties: {}, additionalProperties: false };
