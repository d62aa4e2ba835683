import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, FleetError } from '@mcp-fleet/sdk';
import { compileGlob, MAX_GLOB } from '../src/glob.js';
import { compilePattern, MAX_PROGRAM } from '../src/pattern.js';

describe('globs', () => {
  const cases: [string, string[], string[]][] = [
    ['**/*.ts', ['a.ts', 'x/y/a.ts'], ['a.tsx', 'x/a.js', 'x/a.ts/b']],
    ['src/**', ['src', 'src/a', 'src/a/b'], ['srcx', 'lib/src/a']],
    ['src/**/test/*.ts', ['src/test/a.ts', 'src/a/b/test/c.ts'], ['src/test/a/b.ts', 'test/a.ts']],
    ['*.md', ['README.md', '.md'], ['docs/a.md', 'a.mdx']],
    ['a?c', ['abc', 'a-c'], ['ac', 'abbc', 'a/c']],
    ['**.ts', ['a.ts'], ['x/a.ts']],
    ['./src/*.ts', ['src/a.ts'], ['src/a/b.ts']],
    ['[ab].txt', ['[ab].txt'], ['a.txt']],
    ['*a*b*c', ['abc', 'xaybzc', 'aabbcc'], ['acb', 'ab']],
    ['*x*', ['x', 'axb'], ['a/x', 'ab']],
    ['é?', ['éa', 'é😀'], ['é', 'éab']],
  ];
  for (const [glob, yes, no] of cases) {
    it(`${glob} matches ${yes.join(', ')} and not ${no.join(', ')}`, () => {
      const matches = compileGlob(glob);
      for (const path of yes) assert.equal(matches(path), true, path);
      for (const path of no) assert.equal(matches(path), false, path);
    });
  }

  it('catastrophic globs end: no backtracking over the path', () => {
    // A backtracking regex built from these tries every split of the name: hours of work.
    assert.equal(compileGlob(`${'**?'.repeat(80)}Z`)('b'.repeat(250)), false);
    assert.equal(compileGlob(`${'*a'.repeat(120)}b`)('a'.repeat(250)), false);
    assert.equal(
      compileGlob(`${'**/'.repeat(60)}${'*a'.repeat(20)}b`)(Array(50).fill('a'.repeat(60)).join('/')),
      false,
    );
  });

  it('refuses globs that leave their base, and over-long ones', () => {
    assert.throws(() => compileGlob('../x'), /may not leave its base/);
    assert.throws(() => compileGlob('/etc/*'), /may not leave its base/);
    assert.throws(() => compileGlob('a'.repeat(MAX_GLOB + 1)), /at most/);
  });
});

describe('regular expressions (RE2)', () => {
  it('matches like a search, with ignoreCase, and never backtracks', () => {
    assert.equal(compilePattern('ne+dle', false).test('a needle here'), true);
    assert.equal(compilePattern('NEEDLE', true).test('a needle here'), true);
    assert.equal(compilePattern('NEEDLE', false).test('a needle here'), false);
    assert.equal(compilePattern('^(\\w+\\s?)*\\x01$', false).test('a'.repeat(40)), false);
    assert.equal(compilePattern('(x+x+)+y', false).test('x'.repeat(5000)), false);
  });

  it('refuses syntax RE2 does not have as invalid params, naming the engine', () => {
    for (const pattern of [
      '(?=a)',
      '(?!a)',
      '(?<=a)b',
      '(?<!a)b',
      '(a)\\1',
      '(?<n>a)\\k<n>',
      '\\u0041',
      'a++',
      '[^]',
      '(',
    ]) {
      assert.throws(
        () => compilePattern(pattern, false),
        (err: unknown) =>
          err instanceof FleetError && err.code === ErrorCode.InvalidParams && /RE2/.test(err.message),
        pattern,
      );
    }
  });

  it('refuses patterns whose program is too large to run cheaply', () => {
    assert.throws(
      () => compilePattern('\\w{1000}\\w{1000}\\w{1000}', false),
      (err: unknown) =>
        err instanceof FleetError &&
        err.code === ErrorCode.InvalidParams &&
        err.message.includes(String(MAX_PROGRAM)),
    );
  });
});
