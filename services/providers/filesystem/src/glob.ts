import { AccessDenied } from './resolve.js';

/**
 * A glob relative to a base directory: `**` spans directories, `*` and `?` stay within one
 * segment. Absolute patterns and `..` segments are refused: a glob never leaves its base.
 */
export function compileGlob(glob: string): (relative: string) => boolean {
  if (glob.startsWith('/') || glob.split('/').includes('..'))
    throw new AccessDenied(`glob ${JSON.stringify(glob)} may not leave its base`);
  let pattern = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      pattern += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (char === '*') pattern += '[^/]*';
    else if (char === '?') pattern += '[^/]';
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const regexp = new RegExp(`^${pattern}$`);
  return (relative) => regexp.test(relative);
}
