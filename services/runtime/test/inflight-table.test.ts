import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InflightTable } from '../src/index.js';

describe('InflightTable', () => {
  it('holds, finds, counts and forgets entries by key', () => {
    const table = new InflightTable<string>();
    table.set('a', 'first');
    table.set(7, 'seventh');
    table.set('a', 'again');
    assert.equal(table.size, 2);
    assert.equal(table.get('a'), 'again');
    assert.equal(table.get(7), 'seventh');
    assert.equal(table.get('7'), 'seventh', 'numbers are kept as their decimal strings');
    assert.equal(table.has('b'), false);
    assert.equal(table.delete('a'), true);
    assert.equal(table.delete('a'), false);
    assert.equal(table.size, 1);
    assert.deepEqual(table.list(), [['7', 'seventh']]);
  });

  it('takes any string as a plain key: nothing reaches a prototype', () => {
    const table = new InflightTable<number>();
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.equal(table.has(key), false);
      assert.equal(table.get(key), undefined);
      table.set(key, 1);
    }
    assert.equal(table.size, 4);
    assert.equal(table.get('__proto__'), 1);
    assert.deepEqual(table.values(), [1, 1, 1, 1]);
  });

  it('gives each added value a key of its own, which deletes it', () => {
    const table = new InflightTable<object>();
    const first = {};
    const second = {};
    const a = table.add(first);
    const b = table.add(second);
    assert.notEqual(a, b);
    assert.equal(table.get(a), first);
    table.delete(a);
    assert.deepEqual(table.values(), [second]);
  });

  it('hands out copies, so entries may come and go while the caller goes through them', () => {
    const table = new InflightTable<number>();
    for (let i = 0; i < 5; i++) table.set(i, i);
    const seen: number[] = [];
    for (const [key, value] of table.list()) {
      table.delete(key);
      table.set(key + 100, value);
      seen.push(value);
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.equal(table.size, 5);
  });
});
