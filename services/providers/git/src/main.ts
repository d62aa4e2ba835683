#!/usr/bin/env node
import { loadRoots } from '@mcp-fleet/path-guard';
import { runProvider } from '@mcp-fleet/sdk';
import { gitTools } from './provider.js';

/**
 * The roots as `loadRoots` reads them. When the provider writes at all (write or remote tools), a
 * root is writable unless marked `:ro`; `clone` creates repositories only in writable roots.
 */
function rootSpec(spec: string, writes: boolean): string {
  if (!writes) return spec;
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => (/:r[ow]$/.test(entry) ? entry : `${entry}:rw`))
    .join(',');
}

/** An allow-list entry: an https:// prefix, or ssh:// when the provider has an ssh identity. */
function remotePrefix(prefix: string, ssh: boolean): string {
  const protocol = URL.canParse(prefix) ? new URL(prefix).protocol : '';
  if (protocol !== 'https:' && !(protocol === 'ssh:' && ssh))
    throw new Error(
      `MCPFLEET_GIT_REMOTE_ALLOW: ${JSON.stringify(prefix)} is not an https:// URL prefix${protocol === 'ssh:' ? ' (ssh:// needs MCPFLEET_GIT_SSH_KEY and MCPFLEET_GIT_SSH_KNOWN_HOSTS)' : ''}`,
    );
  return prefix;
}

await runProvider({
  name: 'git',
  version: '0.1.0',
  defaultPort: 50054,
  config: {
    roots: {
      kind: 'string',
      env: 'MCPFLEET_GIT_ROOTS',
      flag: 'roots',
      default: './.dev/repo',
      doc: 'comma-separated directories holding the allowed repositories; `:ro` keeps clone out of one',
    },
    write: {
      kind: 'bool',
      env: 'MCPFLEET_GIT_WRITE',
      flag: 'write',
      default: false,
      doc: 'register local write tools (add, commit, branch, ...)',
    },
    remoteAllow: {
      kind: 'string',
      env: 'MCPFLEET_GIT_REMOTE_ALLOW',
      flag: 'remote-allow',
      doc: 'comma-separated https:// (or ssh://) URL prefixes; registers clone, fetch, pull and push when set',
    },
    sshKey: {
      kind: 'string',
      env: 'MCPFLEET_GIT_SSH_KEY',
      flag: 'ssh-key',
      doc: 'private key file for ssh:// remotes (mode 0600)',
    },
    sshKnownHosts: {
      kind: 'string',
      env: 'MCPFLEET_GIT_SSH_KNOWN_HOSTS',
      flag: 'ssh-known-hosts',
      doc: 'known_hosts file with the host keys of the ssh:// remotes (checked strictly)',
    },
    remoteCaFile: {
      kind: 'string',
      env: 'MCPFLEET_GIT_CA_FILE',
      flag: 'ca-file',
      doc: 'CA bundle for an internal https git server',
    },
    forcePush: {
      kind: 'bool',
      env: 'MCPFLEET_GIT_FORCE_PUSH',
      flag: 'force-push',
      default: false,
      doc: 'allow push with forceWithLease',
    },
    authorDomain: {
      kind: 'string',
      env: 'MCPFLEET_GIT_AUTHOR_DOMAIN',
      flag: 'author-domain',
      doc: 'commit as <caller>@<domain>',
    },
    timeout: {
      kind: 'duration',
      env: 'MCPFLEET_GIT_TIMEOUT',
      flag: 'timeout',
      default: 20_000,
      doc: 'per git run',
    },
    maxOutput: {
      kind: 'int',
      env: 'MCPFLEET_GIT_MAX_OUTPUT',
      flag: 'max-output',
      default: 1_048_576,
      min: 1024,
      doc: 'bytes of output kept',
    },
  },
  async setup(config) {
    const roots = await loadRoots(rootSpec(config.roots, config.write || !!config.remoteAllow));
    if (!config.sshKey !== !config.sshKnownHosts)
      throw new Error('MCPFLEET_GIT_SSH_KEY and MCPFLEET_GIT_SSH_KNOWN_HOSTS are set together');
    const ssh =
      config.sshKey && config.sshKnownHosts
        ? { keyFile: config.sshKey, knownHostsFile: config.sshKnownHosts }
        : undefined;
    return {
      instructions: 'Git repositories under allowed roots; pass `repo` with every call (see the repos tool).',
      definitions: gitTools({
        roots,
        write: config.write,
        remote: config.remoteAllow
          ? {
              allow: config.remoteAllow
                .split(',')
                .map((prefix) => prefix.trim())
                .filter(Boolean)
                .map((prefix) => remotePrefix(prefix, !!ssh)),
              caFile: config.remoteCaFile,
              ssh,
              forcePush: config.forcePush,
            }
          : undefined,
        authorDomain: config.authorDomain,
        limits: { timeoutMs: config.timeout, maxOutput: config.maxOutput },
      }),
    };
  },
});
