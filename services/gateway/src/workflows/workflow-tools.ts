import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonObject } from '../protocol/messages.js';
import type { Workflow } from './workflow-file.js';

/** Workflows are exposed as tools named `workflow_<name>`. */
export const WORKFLOW_PREFIX = 'workflow_';

export interface WorkflowTool {
  workflow: Workflow;
  validate: ValidateFunction;
  definition: JsonObject;
}

/** The configured workflows as MCP tools: definitions for tools/list, argument validators for calls. */
export class WorkflowCatalog {
  private readonly tools = new Map<string, WorkflowTool>();

  constructor(workflows: readonly Workflow[]) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    for (const workflow of workflows) {
      const name = `${WORKFLOW_PREFIX}${workflow.name}`;
      this.tools.set(name, {
        workflow,
        validate: ajv.compile(workflow.inputSchema),
        definition: {
          name,
          title: `Workflow ${workflow.name}`,
          description: workflow.description,
          inputSchema: workflow.inputSchema,
          // Its steps may do anything the caller may do: no stronger promise than that.
          annotations: {
            readOnlyHint: false,
            destructiveHint: true,
            idempotentHint: false,
            openWorldHint: true,
          },
        },
      });
    }
  }

  get toolList(): JsonObject[] {
    return [...this.tools.values()].map((t) => t.definition);
  }

  get(name: string): WorkflowTool | undefined {
    return this.tools.get(name);
  }
}
