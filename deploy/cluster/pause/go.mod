module mcpfleet/pause

go 1.24
