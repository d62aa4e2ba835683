import type { CallToolResult, Progress, Tool } from '@modelcontextprotocol/client';

/** A plain-text table: columns padded to their widest cell, the last one left free. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const hints = (tool: Tool) =>
  [
    tool.annotations?.readOnlyHint ? 'read-only' : '',
    tool.annotations?.idempotentHint ? 'idempotent' : '',
    tool.annotations?.destructiveHint ? 'destructive' : '',
  ]
    .filter(Boolean)
    .join(',') || '-';

export function toolsTable(tools: Tool[]): string {
  const firstLine = (text: string | undefined) => (text ?? '').split('\n')[0] ?? '';
  return table([
    ['TOOL', 'HINTS', 'DESCRIPTION'],
    ...tools.map((t) => [t.name, hints(t), firstLine(t.description)]),
  ]);
}

/** What a person reads of a result: its text content, else its structured content as JSON. */
export function resultText(result: CallToolResult): string {
  const texts = result.content.flatMap((c) => (c.type === 'text' ? [c.text] : [`[${c.type}]`]));
  if (result.structuredContent !== undefined && (texts.length === 0 || result.isError))
    texts.push(JSON.stringify(result.structuredContent, null, 2));
  return texts.join('\n');
}

/**
 * Progress on stderr: a redrawn bar on a terminal, one line per update otherwise (so logs and
 * pipes keep a readable record).
 */
export function progressReporter(stream: NodeJS.WriteStream): { update(p: Progress): void; done(): void } {
  let drawn = false;
  return {
    update(p) {
      const of = p.total ? `${p.progress}/${p.total}` : String(p.progress);
      const message = p.message ? ` ${p.message}` : '';
      if (!stream.isTTY) {
        stream.write(`progress ${of}${message}\n`);
        return;
      }
      const width = 24;
      const filled = p.total ? Math.round((Math.min(p.progress, p.total) / p.total) * width) : 0;
      const bar = p.total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
      stream.write(`\r\x1b[2K${bar}${of}${message}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
