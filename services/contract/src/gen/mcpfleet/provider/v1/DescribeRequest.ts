// Original file: proto/mcpfleet/provider/v1/provider.proto

export interface DescribeRequest {}

export interface DescribeRequest__Output {}
