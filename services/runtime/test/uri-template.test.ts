import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileUriTemplate } from '../src/index.js';

describe('URI templates', () => {
  it('matches each variable to one non-empty, decoded path segment', () => {
    const template = compileUriTemplate('file:///{dir}/notes.{ext}');
    assert.deepEqual(template.variables, ['dir', 'ext']);
    assert.deepEqual(template.match('file:///a%20b/notes.md'), { dir: 'a b', ext: 'md' });
    assert.equal(template.match('file:///a/b/notes.md'), undefined);
    assert.equal(template.match('file:////notes.md'), undefined);
    assert.equal(template.match('file:///a/notesXmd'), undefined, 'literal text is not a pattern');
  });
});

/** What the regular expression this matcher replaced captured: the reference on small inputs. */
function byRegExp(template: string, uri: string): Record<string, string> | undefined {
  const names: string[] = [];
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let pattern = '';
  let last = 0;
  for (const m of template.matchAll(/\{([A-Za-z0-9_]+)\}/g)) {
    pattern += `${escaped(template.slice(last, m.index))}([^/?#]+)`;
    names.push(m[1] ?? '');
    last = m.index + m[0].length;
  }
  const found = new RegExp(`^${pattern}${escaped(template.slice(last))}$`).exec(uri);
  if (!found) return undefined;
  try {
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1] ?? '')]));
  } catch {
    // A value split inside a percent escape: no match of this template.
    return undefined;
  }
}

/** A match's values, or the error it threw (a value split inside a percent escape does not decode). */
function outcome(match: () => Record<string, string> | undefined): unknown {
  try {
    return match();
  } catch (err) {
    return (err as Error).name;
  }
}

describe('URI templates against hostile URIs', () => {
  it('captures what the regular expression captured, greedy, on every small case', () => {
    const templates = [
      'x:{a}',
      'x:{a}.{b}',
      'x:{a}{b}',
      'x:/{a}/{b}.{c}',
      'x:{a}-{b}-{a}',
      'x:a',
      '{a}.{b}.{c}',
    ];
    const alphabet = ['a', '.', '-', '/', 'x:', '?', '%41'];
    let compared = 0;
    for (const template of templates) {
      const compiled = compileUriTemplate(template);
      const uris = [''];
      for (let length = 0; length < 5; length++)
        for (const prefix of [...uris]) for (const piece of alphabet) uris.push(prefix + piece);
      for (const uri of new Set(uris)) {
        assert.deepEqual(
          outcome(() => compiled.match(uri)),
          outcome(() => byRegExp(template, uri)),
          `${template} ${uri}`,
        );
        compared++;
      }
    }
    assert.ok(compared > 10_000, String(compared));
  });

  it('answers the URIs that made the regular expression backtrack for seconds to hours', () => {
    // file:///{name}.{ext}: quadratic in the URI's length; 300 KB took 48 s.
    const quadratic = `file:///${'a.'.repeat(2_000)}/`;
    assert.equal(compileUriTemplate('file:///{name}.{ext}').match(quadratic), undefined);
    assert.deepEqual(compileUriTemplate('file:///{name}.{ext}').match(`file:///${'a.'.repeat(2_000)}md`), {
      name: `${'a.'.repeat(1_999)}a`,
      ext: 'md',
    });
    // Twelve variables side by side: exponential; a 40-character URI took 30 s.
    const side = compileUriTemplate(`x://${Array.from({ length: 12 }, (_, i) => `{v${i}}`).join('')}/z`);
    assert.equal(side.match(`x://${'a'.repeat(40)}`), undefined);
    assert.equal(side.match(`x://${'a'.repeat(40)}/z`)?.v0, 'a'.repeat(29));
  });

  it('refuses a template of more than 32 variables, and matches no URI longer than 16 KB', () => {
    assert.throws(
      () => compileUriTemplate(Array.from({ length: 33 }, (_, i) => `{v${i}}`).join('-')),
      /32 variables/,
    );
    assert.equal(compileUriTemplate('x:{a}').match(`x:${'a'.repeat(16 * 1024)}`), undefined);
    assert.deepEqual(compileUriTemplate('x:{a}').match(`x:${'a'.repeat(1_000)}`), { a: 'a'.repeat(1_000) });
  });

  it('is no match, not an error, where a value is no valid percent-encoding', () => {
    assert.equal(compileUriTemplate('file:///{name}.{ext}').match('file:///%E0%A4.x'), undefined);
    assert.deepEqual(compileUriTemplate('file:///{name}').match('file:///%E0%A4%A4'), { name: '\u0924' });
  });
});
