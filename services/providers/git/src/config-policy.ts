import { AccessDenied } from '@mcp-fleet/path-guard';

/** One setting as git itself reads it: from which scope and file, under which key. */
export interface ConfigEntry {
  /** local, worktree, ... (includes take the scope of the file that includes them) */
  scope: string;
  key: string;
  /** Absent for a bare boolean (`[core] bare`). */
  value?: string;
}

/** A repository refused for its configuration; the message names every key that is not allowed. */
export class ConfigRefused extends AccessDenied {
  override name = 'ConfigRefused';
  constructor(
    where: string,
    readonly keys: string[],
  ) {
    super(
      `${where}: its git config sets ${keys.join(', ')}, which this provider does not allow ` +
        '(only settings known to run nothing and to send nothing elsewhere are); remove them to use it here',
    );
  }
}

/**
 * Parses `git config --list --show-scope -z`: records of scope NUL origin NUL key [LF value] NUL.
 * Our own command-line settings are not the repository's and are left out.
 */
export function parseConfigListing(stdout: string): ConfigEntry[] {
  const fields = stdout.split('\0');
  const entries: ConfigEntry[] = [];
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const [scope = '', , record = ''] = fields.slice(i, i + 3);
    if (scope === 'command') continue;
    const newline = record.indexOf('\n');
    entries.push(
      newline < 0
        ? { scope, key: record }
        : { scope, key: record.slice(0, newline), value: record.slice(newline + 1) },
    );
  }
  return entries;
}

/** A remote name that cannot be mistaken for a URL or a path (git looks a URL up as a remote name first). */
const REMOTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * A remote URL as data: never an option, never a `<helper>::` address, no control characters.
 * Where it may lead is checked against the operator's allow-list at every remote call.
 */
const remoteUrl = (value?: string) =>
  value !== undefined && !value.startsWith('-') && !value.includes('::') && !/\p{Cc}/u.test(value);

type Rule = (subsection: string, value?: string) => boolean;
const ANY: Rule = () => true;
const NAMED: Rule = (subsection) => REMOTE_NAME.test(subsection);

/**
 * Keys a repository may set, as `section.name` (no subsection) or `section.*.name`. Each either
 * describes the repository's format and checkout (core subset, extensions git itself enforces),
 * names people (user), records tracking (branch, remote, submodule), or picks a default our runs
 * override anyway (pull, push, fetch). Everything else is refused, including every key that names
 * a program (hooks, fsmonitor, pagers, editors, filters, diff and merge drivers, signing, ssh,
 * credential helpers, alternate-refs and pack commands), every key that reroutes or reconfigures
 * network calls (url.*, http.*, remote.*.proxy, upload/receive-pack), includes (which could make
 * the next run read a file we never checked) and files outside the repository (excludesFile,
 * attributesFile). core.worktree is allowed because a repository whose work tree is not its own
 * directory is refused anyway.
 */
const ALLOWED: Record<string, Rule> = {
  ...Object.fromEntries(
    [
      'repositoryformatversion',
      'filemode',
      'bare',
      'logallrefupdates',
      'ignorecase',
      'precomposeunicode',
      'symlinks',
      'autocrlf',
      'eol',
      'safecrlf',
      'checkstat',
      'trustctime',
      'quotepath',
      'abbrev',
      'compression',
      'loosecompression',
      'commentchar',
      'whitespace',
      'sparsecheckout',
      'sparsecheckoutcone',
      'splitindex',
      'untrackedcache',
      'commitgraph',
      'multipackindex',
      'preloadindex',
      'protecthfs',
      'protectntfs',
      'warnambiguousrefs',
      'worktree',
    ].map((name) => [`core.${name}`, ANY]),
  ),
  'user.name': ANY,
  'user.email': ANY,
  'extensions.objectformat': ANY,
  'extensions.worktreeconfig': ANY,
  'init.defaultbranch': ANY,
  'pull.rebase': ANY,
  'pull.ff': ANY,
  'push.default': ANY,
  'fetch.prune': ANY,
  'submodule.active': ANY,
  'branch.*.remote': (_, value) => value === '.' || REMOTE_NAME.test(value ?? ''),
  'branch.*.merge': ANY,
  'branch.*.rebase': ANY,
  'branch.*.description': ANY,
  'remote.*.url': (subsection, value) => NAMED(subsection) && remoteUrl(value),
  'remote.*.pushurl': (subsection, value) => NAMED(subsection) && remoteUrl(value),
  'remote.*.fetch': NAMED,
  'submodule.*.url': ANY,
  'submodule.*.active': ANY,
};

/** Whether git's (lower-cased section and name) `key` with `value` is on the allow-list. */
function allowed({ key, value }: ConfigEntry): boolean {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first < 0) return false;
  const section = key.slice(0, first);
  const name = key.slice(last + 1);
  if (first === last) return ALLOWED[`${section}.${name}`]?.('', value) ?? false;
  return ALLOWED[`${section}.*.${name}`]?.(key.slice(first + 1, last), value) ?? false;
}

/** A key as it can be shown in a message (a subsection may hold any byte but LF and NUL). */
const printable = (key: string) => key.replace(/\p{Cc}/gu, '?');

/** Refuses `where` unless every setting git would honour there is on the allow-list. */
export function checkConfig(where: string, entries: ConfigEntry[]): void {
  const refused = [
    ...new Set(entries.filter((e) => !allowed(e)).map((e) => `${printable(e.key)} (${e.scope} scope)`)),
  ];
  if (refused.length > 0) throw new ConfigRefused(where, refused);
}
