// Original file: proto/mcpfleet/provider/v1/provider.proto

export interface WatchCatalogRequest {}

export interface WatchCatalogRequest__Output {}
