/** A compiled RFC 6570 level-1 template: each `{name}` matches one non-empty path segment. */
export interface UriTemplate {
  variables: string[];
  match(uri: string): Record<string, string> | undefined;
}

const VARIABLE = /\{([A-Za-z0-9_]+)\}/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compileUriTemplate(template: string): UriTemplate {
  const variables: string[] = [];
  let pattern = '';
  let last = 0;
  for (const match of template.matchAll(VARIABLE)) {
    pattern += `${escapeRegExp(template.slice(last, match.index))}([^/?#]+)`;
    variables.push(match[1] ?? '');
    last = match.index + match[0].length;
  }
  const regexp = new RegExp(`^${pattern}${escapeRegExp(template.slice(last))}$`);
  return {
    variables,
    match(uri) {
      const found = regexp.exec(uri);
      if (!found) return undefined;
      const values: Record<string, string> = {};
      variables.forEach((name, i) => {
        values[name] = decodeURIComponent(found[i + 1] ?? '');
      });
      return values;
    },
  };
}
