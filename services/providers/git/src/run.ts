import { execFile } from 'node:child_process';
import path from 'node:path';
import { AccessDenied } from '@mcp-fleet/path-guard';

/** Limits of every git run. */
export interface GitLimits {
  timeoutMs: number;
  /** Output beyond this many bytes is cut (the result says so). */
  maxOutput: number;
  /** A cancelled call kills its git process (and git's own children with it, through their pipes). */
  signal?: AbortSignal;
}

/**
 * Command-line settings of every run. A repository whose own config names a program is refused
 * before git runs (see config-policy.ts); these close the same doors again for the keys whose
 * names are fixed, in case the config changes between that check and git reading it. Command-line
 * settings win over every file, and git hands them on to the git processes it starts (submodules
 * too). Driver programs (filter, diff, merge) have names the repository chooses: only the
 * allow-list and the `--no-textconv`/`--no-ext-diff` flags stop those.
 */
const SAFE_CONFIG = [
  // /dev/null is not a directory, so no hook can ever be found there or created under it.
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.pager=cat',
  'core.editor=true',
  'sequence.editor=true',
  'core.sshCommand=false',
  'core.askPass=',
  'core.attributesFile=/dev/null',
  'core.excludesFile=/dev/null',
  // A known no-op: git runs this in place of a repository's own command when it lists an alternate's refs.
  'core.alternateRefsCommand=true',
  'credential.helper=',
  // No network and no remote helpers for local work; remote tools allow https (and ssh) again.
  'protocol.allow=never',
  ...['ext', 'fd', 'file', 'git', 'http', 'https', 'ssh'].map((p) => `protocol.${p}.allow=never`),
  'diff.external=',
  'commit.gpgSign=false',
  'tag.gpgSign=false',
  'tag.forceSignAnnotated=false',
  'push.gpgSign=false',
  'merge.verifySignatures=false',
  'log.showSignature=false',
  ...['gpg.program', 'gpg.openpgp.program', 'gpg.x509.program', 'gpg.ssh.program'].map((k) => `${k}=false`),
  'gpg.ssh.defaultKeyCommand=false',
  // git never looks inside a nested repository's working tree: a submodule's dirtiness is found by
  // running `git status` in it, with that repository's own (never admitted) config and filters.
  'diff.ignoreSubmodules=all',
  'status.submoduleSummary=false',
  'submodule.recurse=false',
  'fetch.recurseSubmodules=false',
  'push.recurseSubmodules=no',
  'pull.rebase=false',
  // A bare repository hidden in a working tree is never entered by discovery.
  'safe.bareRepository=explicit',
  'gc.auto=0',
  'maintenance.auto=false',
];

/**
 * The whole environment of git: nothing of the provider's own (HOME, XDG_*, GIT_DIR, GIT_CONFIG_*)
 * is inherited, and no system or global config, attributes or templates are read.
 */
const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_SYSTEM: '/dev/null',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_ATTR_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_PAGER: 'cat',
  GIT_EDITOR: 'true',
  GIT_OPTIONAL_LOCKS: '0',
  LC_ALL: 'C',
  HOME: '/nonexistent',
  XDG_CONFIG_HOME: '/nonexistent',
};

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

/** The last lines of git's complaint, short enough for a tool result. */
function complaint(stderr: string, fallback: string): string {
  return (stderr || fallback)
    .split('\n')
    .filter((line) => line.trim())
    .slice(-5)
    .join(' ')
    .slice(-600);
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
      // Discovery never climbs above `cwd`: a directory whose .git git will not open is no
      // repository, rather than the one around it (perhaps outside the roots).
      {
        env: { ...ENV, GIT_CEILING_DIRECTORIES: path.dirname(cwd) },
        timeout: limits.timeoutMs,
        signal: limits.signal,
        maxBuffer: limits.maxOutput * 2,
        encoding: 'utf8',
      },
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
        if (err && limits.signal?.aborted) {
          reject(new GitError(`git ${args[0]} was cancelled`));
          return;
        }
        if (err) {
          const killed = (err as { killed?: boolean }).killed;
          reject(
            new GitError(
              killed
                ? `git timed out after ${limits.timeoutMs} ms`
                : `git ${args[0]}: ${complaint(stderr, err.message)}`,
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
