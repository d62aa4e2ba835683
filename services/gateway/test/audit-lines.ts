import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export type AuditLine = Record<string, unknown>;

/**
 * The lines of the audit log `file` once `until` holds for them: a gateway writes its audit lines
 * in batches, some milliseconds after the calls they record. Throws after five seconds.
 */
export async function auditLines(file: string, until: (lines: AuditLine[]) => boolean): Promise<AuditLine[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const lines = (await readFile(file, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditLine);
    if (until(lines)) return lines;
    if (Date.now() > deadline) throw new Error(`the audit log ${file} never held the line waited for`);
    await sleep(10);
  }
}

/** The first audit line of `file` that `wanted` picks, once written. */
export async function auditLine(file: string, wanted: (line: AuditLine) => boolean): Promise<AuditLine> {
  const lines = await auditLines(file, (all) => all.some(wanted));
  return lines.find(wanted) as AuditLine;
}
