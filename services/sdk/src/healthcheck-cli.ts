#!/usr/bin/env node
import { checkHealth } from './health-check.js';

/**
 * `mcp-fleet-healthcheck [host:port]`: exit 0 when the provider's grpc.health.v1 service says
 * SERVING, 1 otherwise. For container HEALTHCHECKs; Kubernetes probes use gRPC health directly.
 */
// A provider listening on every address (0.0.0.0:port in images) is asked on loopback.
const target = (process.argv[2] ?? process.env.MCPFLEET_LISTEN ?? '127.0.0.1:50051').replace(
  /^0\.0\.0\.0:/,
  '127.0.0.1:',
);
checkHealth(target, '', 3_000).then(
  (status) => {
    process.stdout.write(`${target}: ${status}\n`);
    process.exit(status === 'SERVING' ? 0 : 1);
  },
  (err: Error) => {
    process.stderr.write(`${target}: ${err.message}\n`);
    process.exit(1);
  },
);
