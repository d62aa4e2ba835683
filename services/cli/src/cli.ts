#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ErrorCode } from '@mcp-fleet/contract';
import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { approvalsCall, approvalsFailure, NotAnApprover } from './approvals.js';
import { duration, toolArguments, UsageError } from './arguments.js';
import { catalogCommand } from './catalog-command.js';
import { FleetClient } from './client.js';
import { rpcFailureOf } from './error-code.js';
import { PROTOCOL_CHOICES, type ProtocolChoice } from './open-client.js';
import { progressReporter, resultText, toolsTable } from './output.js';
import { RefusedForNow, retryable } from './retry.js';

const USAGE = `mcp-fleet: use the tools of an MCP Fleet gateway

  mcp-fleet [options] tools                          the tools you may call
  mcp-fleet [options] call <tool> [--arg k=v]... [--json '{...}']
  mcp-fleet [options] workflow run <name> [--arg k=v]... [--json '{...}']
  mcp-fleet [options] approvals list [cursor]      calls waiting for your approver roles (a page)
  mcp-fleet [options] approvals approve|deny <id> [--reason text]
  mcp-fleet [options] ping
  mcp-fleet [options] catalog diff                   tool definitions that differ from their pin
  mcp-fleet [options] catalog accept <provider>/<tool> [--digest sha256:...]
  mcp-fleet [options] catalog accept <provider> --digest <tool>=sha256:... [...]
                                                     pin reviewed definitions (operator role): only
                                                     the ones diff showed (it prints the command)

options:
  --url <url>        gateway: http(s)://host/mcp, .../sse, ws(s)://host/ws or grpc://host:port
                     (default $MCP_FLEET_URL, else http://127.0.0.1:8080/mcp)
  --api-key <key>    API key (default $MCP_FLEET_API_KEY)
  --token <jwt>      bearer token (default $MCP_FLEET_TOKEN)
  --timeout <time>   per call, e.g. 30s or 2m (default 60s; progress extends it)
  --protocol <auto|legacy|2026-07-28>  MCP revision (default $MCP_FLEET_PROTOCOL, else auto:
                     2026-07-28, or the 2025 handshake for older gateways and the /sse edge)
  --output <text|json>  json prints whole results, for scripts
  --help

--arg k=v takes v as JSON when it parses (5, true, ["a"]), else as a string: --arg 'text="5"'

exit codes: 0 done; 1 the tool or workflow failed or refused its arguments; 2 bad command line
            or request (an unknown tool); 3 gateway unreachable or unavailable; 4 not authenticated,
            not allowed or not approved; 5 timed out; 6 rate limited or out of quota`;

/** Exit codes a script can act on. */
const EXIT = { ok: 0, failed: 1, usage: 2, unavailable: 3, denied: 4, timeout: 5, limited: 6 } as const;

function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || String((err as { code?: unknown })?.code).startsWith('ERR_PARSE_ARGS'))
    return EXIT.usage;
  if (err instanceof RefusedForNow) return err.status === 429 ? EXIT.limited : EXIT.unavailable;
  if (err instanceof NotAnApprover) return EXIT.denied;
  const failure = rpcFailureOf(err);
  if (failure) {
    switch (failure.code) {
      case ErrorCode.InvalidParams:
        return EXIT.usage;
      case ErrorCode.Unauthenticated:
      case ErrorCode.Forbidden:
      case ErrorCode.ApprovalDenied:
        return EXIT.denied;
      case ErrorCode.RateLimited:
      case ErrorCode.QuotaExceeded:
        return EXIT.limited;
      case ErrorCode.Unavailable:
        return EXIT.unavailable;
      case ErrorCode.Timeout:
        return EXIT.timeout;
      default:
        return EXIT.failed;
    }
  }
  // The SDK's own failures (its codes are strings, apart from the wire's): a timeout, or a failed call.
  if (err instanceof SdkError) return err.code === SdkErrorCode.RequestTimeout ? EXIT.timeout : EXIT.failed;
  if (/\b40[13]\b|Unauthorized|Forbidden/.test((err as Error)?.message ?? '')) return EXIT.denied;
  return retryable(err)?.kind === 'connection' ? EXIT.unavailable : EXIT.failed;
}

function protocolChoice(value: string | undefined): ProtocolChoice {
  const choice = value ?? 'auto';
  if (!PROTOCOL_CHOICES.includes(choice as ProtocolChoice))
    throw new UsageError(`--protocol is ${PROTOCOL_CHOICES.join(', ')}, not ${JSON.stringify(choice)}`);
  return choice as ProtocolChoice;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'api-key': { type: 'string' },
      token: { type: 'string' },
      timeout: { type: 'string' },
      protocol: { type: 'string' },
      output: { type: 'string', default: 'text' },
      arg: { type: 'string', multiple: true, default: [] },
      json: { type: 'string' },
      reason: { type: 'string' },
      digest: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError('--output is text or json');
  const json = values.output === 'json';
  const print = (value: unknown, text: string) =>
    process.stdout.write(`${json ? JSON.stringify(value, null, 2) : text}\n`);

  const client = await FleetClient.connect({
    url: values.url ?? process.env.MCP_FLEET_URL ?? 'http://127.0.0.1:8080/mcp',
    apiKey: values['api-key'] ?? process.env.MCP_FLEET_API_KEY,
    token: values.token ?? process.env.MCP_FLEET_TOKEN,
    timeoutMs: values.timeout ? duration(values.timeout) : undefined,
    protocol: protocolChoice(values.protocol ?? (process.env.MCP_FLEET_PROTOCOL || undefined)),
    name: 'mcp-fleet-cli',
    onRetry: ({ attempt, delayMs, error }) =>
      process.stderr.write(`retry ${attempt} in ${Math.round(delayMs)} ms: ${(error as Error).message}\n`),
  });
  try {
    if (command === 'ping') {
      await client.ping();
      print({ ok: true, protocolVersion: client.protocolVersion }, 'pong');
      return EXIT.ok;
    }
    if (command === 'tools') {
      const tools = await client.listTools();
      print(tools, toolsTable(tools));
      return EXIT.ok;
    }
    if (command === 'catalog') {
      const { value, text, result } = await catalogCommand(client, rest, values.digest);
      print(value, text);
      return result.isError ? EXIT.failed : EXIT.ok;
    }
    let tool: string | undefined;
    let args: Record<string, unknown> | undefined;
    if (command === 'approvals') ({ tool, args } = approvalsCall(rest, values.reason));
    else if (command === 'call') tool = rest[0];
    else if (command === 'workflow' && rest[0] === 'run' && rest[1]) tool = `workflow_${rest[1]}`;
    else throw new UsageError(`unknown command: ${positionals.join(' ')} (see --help)`);
    if (!tool) throw new UsageError('call needs a tool name (see mcp-fleet tools)');
    const progress = progressReporter(process.stderr);
    const result = await client
      .callTool(tool, args ?? toolArguments(values.arg, values.json), {
        onProgress: (p) => progress.update(p),
      })
      .catch((err: unknown) => {
        throw command === 'approvals' ? approvalsFailure(err, tool) : err;
      })
      .finally(() => progress.done());
    print(result, resultText(result));
    return result.isError ? EXIT.failed : EXIT.ok;
  } finally {
    await client.close().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`mcp-fleet: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(exitCodeOf(err));
  },
);
