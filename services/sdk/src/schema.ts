import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** One failing location in a value, as a JSON Pointer and a sentence. */
export interface SchemaViolation {
  path: string;
  message: string;
}

export type Validator = (value: unknown) => SchemaViolation[];

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/**
 * JSON Schema 2020-12 is MCP's default dialect. `strict: false` because tool schemas legitimately
 * carry annotations ajv does not know; `allErrors` so a caller sees every problem at once.
 */
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateFormats: true }));

function describe(error: ErrorObject): SchemaViolation {
  const path = error.instancePath || '/';
  switch (error.keyword) {
    case 'required':
      return { path, message: `missing required property '${String(error.params.missingProperty)}'` };
    case 'additionalProperties':
      return { path, message: `unexpected property '${String(error.params.additionalProperty)}'` };
    default:
      return { path, message: error.message ?? `fails ${error.keyword}` };
  }
}

/** Compiles a schema once; throws with ajv's reason when the schema itself is invalid. */
export function compileValidator(schema: Record<string, unknown>): Validator {
  const { $schema: _dialect, ...rest } = schema;
  const validate: ValidateFunction = ajv.compile(rest);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map(describe));
}

export function formatViolations(violations: SchemaViolation[]): string {
  return violations.map((v) => `${v.path} ${v.message}`).join('; ');
}
