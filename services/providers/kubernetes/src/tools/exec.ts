import { DESTRUCTIVE, defineTool } from '@mcp-fleet/sdk';
import { Refused } from '../api.js';
import { confirmed } from '../confirm.js';
import type { KubernetesProvider } from '../context.js';
import { writePath } from '../fleet-objects.js';
import { dnsLabel, objectName } from '../policy.js';
import { CONTEXT, NAME, NAMESPACE } from '../schemas.js';
import { render } from '../shown.js';

const MAX_OUTPUT = 256 * 1024;

/**
 * `exec`: a command in a container, registered only with MCPFLEET_K8S_EXEC=true. It can do
 * anything the container can, so it is checked like a write (pods served, namespace allowed),
 * asks the user first when confirmation is on, and its output is data, capped.
 */
export function execTools(p: KubernetesProvider, timeoutMs: number) {
  return [
    defineTool<{ context?: string; namespace: string; pod: string; container?: string; command: string[] }>({
      name: 'exec',
      title: 'Exec',
      description:
        'Runs a command (an argument list, no shell unless you name one) in a container of a pod and returns its output and exit code.',
      inputSchema: {
        type: 'object',
        properties: {
          context: CONTEXT,
          namespace: NAMESPACE,
          pod: NAME,
          container: NAME,
          command: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', maxLength: 4096 } },
        },
        required: ['namespace', 'pod', 'command'],
        additionalProperties: false,
      },
      annotations: DESTRUCTIVE,
      async handler(a, ctx) {
        const { api, types } = p.cluster(a.context);
        const type = await types.typeFor('pods');
        const path = await writePath(p.policy, api, type, { namespace: a.namespace, name: a.pod });
        const container = a.container === undefined ? '' : dnsLabel(a.container, 'container name');
        // The API server's own refusal arrives as a bare WebSocket 400: say why first when we can.
        const pod = (await api.get(path)) as { spec?: { nodeName?: string }; status?: { phase?: string } };
        if (!pod.spec?.nodeName)
          throw new Refused(`pod ${a.pod} is not scheduled on a node: nothing runs to exec into`);
        if (pod.status?.phase !== 'Running')
          throw new Refused(
            `pod ${a.pod} is ${pod.status?.phase ?? 'not running'}: exec needs a running pod`,
          );
        await confirmed(
          p.confirm,
          ctx,
          `run ${JSON.stringify(a.command.join(' ').slice(0, 200))} in pod ${objectName(a.pod)} in ${a.namespace}`,
        );
        const result = await api.exec({
          namespace: a.namespace,
          pod: a.pod,
          container,
          command: a.command,
          timeoutMs,
          maxBytes: MAX_OUTPUT,
        });
        return { ...render(result), ...(result.status === 'Success' ? {} : { isError: true }) };
      },
    }),
  ];
}
