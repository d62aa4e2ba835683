/**
 * The names of the gateway's own tools, in one place: no provider tool may take one of them (see
 * mergeCatalog), so a gateway tool is never shadowed nor listed twice.
 */
export const GATEWAY_TOOLS = {
  approvalsList: 'fleet_approvals_list',
  approvalsDecide: 'fleet_approvals_decide',
  catalogDiff: 'fleet_catalog_diff',
  catalogAccept: 'fleet_catalog_accept',
  searchTools: 'fleet_search_tools',
  describeTool: 'fleet_describe_tool',
  callTool: 'fleet_call_tool',
} as const;

const RESERVED: ReadonlySet<string> = new Set(Object.values(GATEWAY_TOOLS));

/** Whether `name` belongs to a gateway tool: a provider tool of that exposed name is refused. */
export const isReservedToolName = (name: string): boolean => RESERVED.has(name);
