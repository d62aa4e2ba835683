import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, parseExpression, render } from '../src/workflows/expressions.js';

const vars = {
  inputs: { region: 'eu', limit: 3, 'file name': 'a b.txt' },
  rows: {
    items: [
      { name: 'x', n: 2 },
      { name: 'y', n: 5 },
    ],
    count: 2,
  },
};
const value = (source: string) => evaluate(parseExpression(source), vars);

describe('workflow expressions', () => {
  it('looks up fields, indexes and quoted keys; compares; combines', () => {
    assert.equal(value('rows.items[1].name'), 'y');
    assert.equal(value('inputs["file name"]'), 'a b.txt');
    assert.equal(value('rows.count > 1 and inputs.region == "eu"'), true);
    assert.equal(value('not (rows.count >= inputs.limit) or false'), true);
    assert.equal(value('length(rows.items) == 2'), true);
    assert.equal(value("inputs.region != 'us'"), true);
    assert.equal(value('null'), null);
  });

  it('renders whole templates as values and embedded ones as text', () => {
    const template = {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: workflow templates, not JavaScript ones
      all: '${rows.items}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: workflow templates, not JavaScript ones
      n: '${rows.count}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: workflow templates, not JavaScript ones
      text: 'top: ${rows.items[0].name}/${rows.count}',
    };
    assert.deepEqual(render(template, vars), { all: vars.rows.items, n: 2, text: 'top: x/2' });
  });

  it('is data only: unknown names, prototype fields and code are errors, never evaluated', () => {
    assert.throws(() => value('ghost'), /unknown variable "ghost"/);
    assert.throws(() => value('inputs.constructor'), /"inputs.constructor" does not exist/);
    assert.throws(() => value('rows.items.__proto__'), /does not exist/);
    assert.throws(() => value('process.exit(1)'), /unknown variable "process"|unexpected/);
    assert.throws(() => value('inputs.region + 1'), /unexpected/);
    assert.throws(() => value('rows.count < "3"'), /compares two numbers or two strings/);
    assert.throws(() => parseExpression('x'.repeat(2000)), /longer than 1024/);
  });
});
