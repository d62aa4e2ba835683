import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sseEvent } from '../src/transports/sse-writer.js';

it('frames data holding CR, LF or CR LF as one event: a provider result cannot end it and start its own', () => {
  const forged = '{"content":[]}\r\revent: message\rdata: {"forged":true}\r\n\r\n{"x":1}\n\nid: 9';
  const framed = sseEvent('7', forged);
  // The event ends at the first blank line, whichever line end SSE reads.
  const lines = framed.split(/\r\n|\r|\n/);
  assert.equal(lines.indexOf(''), lines.length - 2, JSON.stringify(framed));
  assert.deepEqual(lines.slice(0, 2), ['id: 7', 'event: message']);
  for (const line of lines.slice(2, -2)) assert.match(line, /^data: /);
  // What the client reassembles is the data as sent, line ends as LF.
  const data = lines
    .slice(2, -2)
    .map((line) => line.slice('data: '.length))
    .join('\n');
  assert.equal(data, forged.split(/\r\n|\r|\n/).join('\n'));
  assert.equal(sseEvent('', '{"a":1}'), 'event: message\ndata: {"a":1}\n\n');
});
