import { AccessDenied } from '@mcp-fleet/path-guard';
import { plain } from './run.js';

/** The provider's own ssh identity, and the host keys it trusts (no trust on first use). */
export interface SshAccess {
  keyFile: string;
  knownHostsFile: string;
}

/** Remote access: https (and ssh when configured), under the URL prefixes an operator allowed. */
export interface RemotePolicy {
  allow: string[];
  /** A CA bundle for an internal https git server. */
  caFile?: string;
  /** ssh:// remotes are refused without it. */
  ssh?: SshAccess;
  forcePush: boolean;
}

/** A file path that is safe inside core.sshCommand, which git runs through a shell. */
const PLAIN_PATH = /^\/[A-Za-z0-9_./-]+$/;

/**
 * The only ssh git may run: no user or system ssh config, the operator's key alone, known hosts
 * checked strictly, no agent, forwarding, multiplexing, proxy or local command.
 */
function sshCommand(ssh: SshAccess): string {
  for (const file of [ssh.keyFile, ssh.knownHostsFile])
    if (!PLAIN_PATH.test(file))
      throw new Error(
        `ssh files must be absolute plain paths (letters, digits, _ . / -): ${JSON.stringify(file)}`,
      );
  const options = {
    UserKnownHostsFile: ssh.knownHostsFile,
    GlobalKnownHostsFile: '/dev/null',
    StrictHostKeyChecking: 'yes',
    BatchMode: 'yes',
    IdentitiesOnly: 'yes',
    IdentityAgent: 'none',
    ForwardAgent: 'no',
    ForwardX11: 'no',
    ClearAllForwardings: 'yes',
    PermitLocalCommand: 'no',
    ControlMaster: 'no',
    ControlPath: 'none',
    ProxyCommand: 'none',
    ProxyJump: 'none',
    UpdateHostKeys: 'no',
    ConnectTimeout: '10',
  };
  const flags = Object.entries(options).flatMap(([key, value]) => ['-o', `${key}=${value}`]);
  return ['ssh', '-F', '/dev/null', '-i', ssh.keyFile, ...flags].join(' ');
}

/**
 * Settings of every remote run: https (and ssh when configured) are the only transports, and a
 * redirect never takes a request to a host the allow-list did not name.
 */
export function remoteConfig(policy: RemotePolicy): string[] {
  return [
    'protocol.allow=never',
    'protocol.https.allow=always',
    'http.followRedirects=false',
    ...(policy.caFile ? [`http.sslCAInfo=${policy.caFile}`] : []),
    ...(policy.ssh
      ? ['protocol.ssh.allow=always', 'ssh.variant=ssh', `core.sshCommand=${sshCommand(policy.ssh)}`]
      : []),
  ];
}

/**
 * Same scheme, user, host and port (compared one by one: an ssh:// URL's origin is "null" whatever
 * its host), and a path at or below the prefix's on a segment boundary (`/team` admits `/team/x`,
 * not `/team-x`).
 */
function underPrefix(url: URL, prefix: string): boolean {
  const allowed = new URL(prefix);
  const base = allowed.pathname.endsWith('/') ? allowed.pathname : `${allowed.pathname}/`;
  return (
    url.protocol === allowed.protocol &&
    url.username === allowed.username &&
    url.hostname === allowed.hostname &&
    url.port === allowed.port &&
    (url.pathname === allowed.pathname || url.pathname.startsWith(base))
  );
}

/** A remote URL the policy admits: https or ssh (when configured), under an allowed prefix, no secrets in it. */
export function checkRemoteUrl(policy: RemotePolicy, url: string): string {
  plain(url, 'url');
  const schemes = policy.ssh ? 'https:// or ssh://' : 'https://';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AccessDenied(`${JSON.stringify(url)} is not a URL (${schemes} only)`);
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'ssh:' && policy.ssh))
    throw new AccessDenied(`${parsed.protocol} remotes are not allowed (${schemes} only)`);
  if (parsed.password || (parsed.protocol === 'https:' && parsed.username))
    throw new AccessDenied('remote URLs may not carry credentials');
  // ssh gets the host and user as arguments: nothing that could read as an option gets there.
  if (!/^[A-Za-z0-9._\-[\]:]+$/.test(parsed.hostname) || /^[-.]/.test(parsed.hostname))
    throw new AccessDenied(`invalid host in ${JSON.stringify(url)}`);
  if (parsed.username && !/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(parsed.username))
    throw new AccessDenied(`invalid user in ${JSON.stringify(url)}`);
  // A server decodes these back into separators and dots that the prefix check never saw.
  if (/%(?:2f|2e|5c)|\\/i.test(parsed.pathname))
    throw new AccessDenied(`${url}: encoded slashes, dots or backslashes are not allowed in the path`);
  if (!policy.allow.some((prefix) => underPrefix(parsed, prefix)))
    throw new AccessDenied(`${url} is not in the remote allow-list`);
  // git gets the normalised form that was checked, so dot segments cannot climb out of the prefix.
  return parsed.href;
}
