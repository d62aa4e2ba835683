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
