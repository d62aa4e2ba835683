import { ErrorCode, FleetError } from '@mcp-fleet/contract';
import { ROOT_CONTEXT } from '@mcp-fleet/runtime/telemetry';
import type { ProviderRegistry } from '../catalog/registry.js';
import { followSignal } from '../engine/cancellation.js';
import type { RequestContext } from '../engine/request-context.js';
import { type JsonObject, notification, RawJson, toolErrorResult } from '../protocol/messages.js';
import { type RunOptions, runWorkflow } from '../workflows/runner.js';
import type { WorkflowCatalog, WorkflowTool } from '../workflows/workflow-tools.js';

export interface WorkflowCallDeps {
  workflows: WorkflowCatalog;
  registry: ProviderRegistry;
}

/**
 * A workflow tool: every inner call goes through callTool as this caller, so policy, argument
 * constraints, limits, quotas and the audit log apply to it as if the agent had made it.
 */
export async function callWorkflow(
  deps: WorkflowCallDeps,
  ctx: RequestContext,
  tool: WorkflowTool,
  args: JsonObject,
  params: JsonObject,
  callTool: (ctx: RequestContext, params: JsonObject) => Promise<RawJson>,
): Promise<RawJson> {
  // The model's to correct, as a provider tool's (MCP 2025-11-25 on): a tool error, not a protocol one.
  if (!tool.validate(args))
    return toolErrorResult(
      `Invalid arguments: ${(tool.validate.errors ?? [])
        .map((e) => `${e.instancePath || '/'} ${e.message}`)
        .join('; ')}`,
    );
  const progressToken = ((params._meta ?? {}) as JsonObject).progressToken;
  const call: RunOptions['call'] = async (name, callArgs, signal, traceContext) => {
    if (deps.workflows.get(name))
      return {
        error: {
          code: ErrorCode.InvalidParams,
          message: `${name} is a workflow: workflows do not call workflows`,
        },
      };
    try {
      const raw = await callTool(
        { ...ctx, cancellation: followSignal(signal), traceContext, workflowStep: true },
        { name, arguments: callArgs },
      );
      return { result: JSON.parse(raw.text) };
    } catch (err) {
      if (err instanceof FleetError) return { error: { code: err.code, message: err.message } };
      throw err;
    }
  };
  const run = await runWorkflow(tool.workflow, args, {
    call,
    retryable: (name) => deps.registry.catalog.tools.get(name)?.retryable ?? false,
    progress: (done, message) => {
      if (progressToken !== undefined)
        ctx.emit(notification('notifications/progress', { progressToken, progress: done, message }));
    },
    signal: ctx.cancellation.signal,
    traceContext: ctx.traceContext ?? ROOT_CONTEXT,
  });
  const summary =
    run.status === 'ok'
      ? `workflow ${tool.workflow.name} completed ${run.steps.length} steps`
      : `workflow ${tool.workflow.name} ${run.status}: ${run.error?.message}`;
  return new RawJson(
    JSON.stringify({
      content: [{ type: 'text', text: summary }],
      structuredContent: run,
      ...(run.status === 'ok' ? {} : { isError: true }),
    }),
  );
}
