// Original file: proto/mcpfleet/provider/v1/provider.proto

export interface CatalogEvent {
  /**
   * The catalog now has this revision; call Describe to read it.
   */
  revision?: string;
  /**
   * A subscribable resource changed (MCP notifications/resources/updated).
   */
  resourceUpdated?: string;
  event?: 'revision' | 'resourceUpdated';
}

export interface CatalogEvent__Output {
  /**
   * The catalog now has this revision; call Describe to read it.
   */
  revision?: string;
  /**
   * A subscribable resource changed (MCP notifications/resources/updated).
   */
  resourceUpdated?: string;
  event?: 'revision' | 'resourceUpdated';
}
