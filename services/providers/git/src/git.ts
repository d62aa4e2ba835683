import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AccessDenied, type Root, resolvePath, within } from '@mcp-fleet/provider-filesystem';

/** Limits of every git run. */
export interface GitLimits {
  timeoutMs: number;
  /** Output beyond this many bytes is cut (the result says so). */
  maxOutput: number;
}

/**
 * Settings that keep a repository's own configuration from running anything: hooks, fsmonitor,
 * pagers, external diff and textconv programs, signing programs, editors, credential helpers,
 * and the ext:: transport. Filters (smudge/clean/process) are neutralised per repository.
 */
const SAFE_CONFIG = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.pager=cat',
  'core.editor=true',
  'core.sshCommand=false',
  'core.askPass=',
  'credential.helper=',
  'protocol.ext.allow=never',
  'protocol.file.allow=user',
  'diff.external=',
  'commit.gpgSign=false',
  'tag.gpgSign=false',
  'log.showSignature=false',
  'gc.auto=0',
  'maintenance.auto=false',
];

const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_PAGER: 'cat',
  GIT_EDITOR: 'true',
  GIT_OPTIONAL_LOCKS: '0',
  LC_ALL: 'C',
  HOME: '/nonexistent',
};

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
  if (!policy.allow.some((prefix) => underPrefix(parsed, prefix)))
    throw new AccessDenied(`${url} is not in the remote allow-list`);
  // git gets the normalised form that was checked, so dot segments cannot climb out of the prefix.
  return parsed.href;
}

export class GitError extends Error {
  override name = 'GitError';
}

/** A value from the caller: never an option, never a NUL, never empty. */
export function plain(value: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new AccessDenied(`${what} must not be empty`);
  if (value.startsWith('-'))
    throw new AccessDenied(`${what} may not begin with "-": ${JSON.stringify(value)}`);
  if (value.includes('\0')) throw new AccessDenied(`${what} may not contain NUL`);
  return value;
}

/** Runs git with an argument array (no shell), the safe settings and caps; rejects on a non-zero exit. */
export function git(
  cwd: string,
  args: string[],
  limits: GitLimits,
  extraConfig: string[] = [],
  input?: string,
): Promise<{ stdout: string; truncated: boolean }> {
  const config = [...SAFE_CONFIG, ...extraConfig].flatMap((c) => ['-c', c]);
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [...config, '--no-pager', '-C', cwd, ...args],
      { env: ENV, timeout: limits.timeoutMs, maxBuffer: limits.maxOutput * 2, encoding: 'utf8' },
      (err, stdout, stderr) => {
        // Past the cap git is stopped; what it wrote so far is the (truncated) answer.
        if (err && (err as { code?: string }).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          resolve({
            stdout: Buffer.from(stdout).subarray(0, limits.maxOutput).toString('utf8'),
            truncated: true,
          });
          return;
        }
        // `git grep` says "no match" with exit status 1: an empty answer, not a failure.
        if (err && args[0] === 'grep' && (err as { code?: unknown }).code === 1 && !stderr) {
          resolve({ stdout: '', truncated: false });
          return;
        }
        if (err) {
          const message = (stderr || err.message)
            .split('\n')
            .filter((line) => line.trim())
            .slice(-5)
            .join(' ')
            .slice(-600);
          reject(
            new GitError(
              (err as { killed?: boolean }).killed
                ? `git timed out after ${limits.timeoutMs} ms`
                : `git ${args[0]}: ${message}`,
            ),
          );
          return;
        }
        const truncated = Buffer.byteLength(stdout) > limits.maxOutput;
        resolve({
          stdout: truncated ? Buffer.from(stdout).subarray(0, limits.maxOutput).toString('utf8') : stdout,
          truncated,
        });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** A repository the caller may use, and the settings that disarm its configured filters. */
export interface Repo {
  path: string;
  filters: string[];
  /** Repository settings that could reroute or reconfigure a remote call (insteadOf, proxies, headers, helpers). */
  networkOverrides: string[];
}

/**
 * Resolves `input` to a repository inside the roots: realpath-checked, a `.git` file's gitdir
 * must stay inside the roots too, and git's own top level must be that directory (a plain folder
 * inside someone else's repository is not a repository).
 */
export async function openRepo(roots: Root[], input: string, limits: GitLimits): Promise<Repo> {
  const resolved = await resolvePath({ roots }, plain(input, 'repo'), 'read');
  if (!resolved.exists) throw new AccessDenied(`${input} does not exist`);
  const dotGit = path.join(resolved.real, '.git');
  const info = await stat(dotGit).catch(() => undefined);
  if (!info) throw new AccessDenied(`${input} is not a git repository`);
  if (info.isFile()) {
    const gitdir = /^gitdir: (.+)$/m.exec(await readFile(dotGit, 'utf8'))?.[1]?.trim();
    const target = gitdir ? path.resolve(resolved.real, gitdir) : undefined;
    const inside = target ? await resolvePath({ roots }, target, 'read').catch(() => undefined) : undefined;
    if (!inside) throw new AccessDenied(`${input}: its .git file points outside the allowed roots`);
  }
  const top = (await git(resolved.real, ['rev-parse', '--show-toplevel'], limits)).stdout.trim();
  if (path.resolve(top) !== resolved.real || !roots.some((r) => within(r.real, top))) {
    throw new AccessDenied(`${input} is not the top of a git repository`);
  }
  // Reading configuration (includes too) runs nothing; every filter it names is switched off for our runs.
  const keys = (
    await git(resolved.real, ['config', '--local', '--includes', '--name-only', '--list'], limits)
  ).stdout
    .split('\n')
    .map((k) => k.trim());
  const filters = [
    ...new Set(
      keys.map((k) => /^filter\.(.+)\.(?:clean|smudge|process|required)$/i.exec(k)?.[1]).filter((n) => !!n),
    ),
  ] as string[];
  return {
    path: resolved.real,
    networkOverrides: keys.filter((k) => /^(?:url|http|credential)\./i.test(k)),
    filters: filters.flatMap((f) => [
      `filter.${f}.clean=`,
      `filter.${f}.smudge=`,
      `filter.${f}.process=`,
      `filter.${f}.required=false`,
    ]),
  };
}

/** A revision that exists, resolved without letting it be read as an option. */
export async function verifyRevision(repo: Repo, revision: string, limits: GitLimits): Promise<string> {
  plain(revision, 'revision');
  const { stdout } = await git(
    repo.path,
    ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`],
    limits,
    repo.filters,
  ).catch(() => {
    throw new GitError(`unknown revision ${JSON.stringify(revision)}`);
  });
  return stdout.trim();
}

/** A new branch or tag name that git accepts. */
export async function checkRefName(repo: Repo, name: string, limits: GitLimits): Promise<string> {
  plain(name, 'name');
  await git(repo.path, ['check-ref-format', '--branch', name], limits).catch(() => {
    throw new GitError(`invalid ref name ${JSON.stringify(name)}`);
  });
  return name;
}
