/**
 * A glob over exposed names and URIs: `*` matches any run of characters (including none),
 * `?` exactly one; everything else is literal. The whole name must match.
 */
export function compileGlob(glob: string): (name: string) => boolean {
  let pattern = '';
  for (const char of glob) {
    if (char === '*') pattern += '.*';
    else if (char === '?') pattern += '.';
    else pattern += char.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  const regexp = new RegExp(`^${pattern}$`, 's');
  return (name) => regexp.test(name);
}
