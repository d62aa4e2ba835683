// Original file: proto/mcpfleet/provider/v1/provider.proto

import type {
  CatalogItem as _mcpfleet_provider_v1_CatalogItem,
  CatalogItem__Output as _mcpfleet_provider_v1_CatalogItem__Output,
} from '../../../mcpfleet/provider/v1/CatalogItem.js';

export interface DescribeResponse {
  name?: string;
  version?: string;
  /**
   * Changes whenever any list below changes; a content hash.
   */
  revision?: string;
  tools?: _mcpfleet_provider_v1_CatalogItem[];
  resources?: _mcpfleet_provider_v1_CatalogItem[];
  resourceTemplates?: _mcpfleet_provider_v1_CatalogItem[];
  prompts?: _mcpfleet_provider_v1_CatalogItem[];
  /**
   * Free text shown to clients next to the provider's tools (MCP "instructions").
   */
  instructions?: string;
}

export interface DescribeResponse__Output {
  name: string;
  version: string;
  /**
   * Changes whenever any list below changes; a content hash.
   */
  revision: string;
  tools: _mcpfleet_provider_v1_CatalogItem__Output[];
  resources: _mcpfleet_provider_v1_CatalogItem__Output[];
  resourceTemplates: _mcpfleet_provider_v1_CatalogItem__Output[];
  prompts: _mcpfleet_provider_v1_CatalogItem__Output[];
  /**
   * Free text shown to clients next to the provider's tools (MCP "instructions").
   */
  instructions: string;
}
