/**
 * The chaos table: one row per scenario in chaos-<date>.json and .md (see RESULTS), merged with
 * the rows other scenarios of the day wrote, written before the scenario's assertions run so a
 * scenario that misses its target still leaves its figures.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './fleet.js';
import { type LoadReport, recoveryAfter } from './load.js';

export interface ChaosRow {
  /** Its number in issue 16's list, then a short name. */
  scenario: string;
  sent: number;
  ok: number;
  error: number;
  errorsByCode: Record<string, number>;
  messagesByCode: Record<string, string[]>;
  /** When the failed and lost calls were due, in ms from the start of the load. */
  errorWindows: string;
  lost: number;
  maxLatencyMs: number;
  p99LatencyMs: number;
  /** What the issue asks of this scenario. */
  target: string;
  met: boolean;
  /** The checks that failed, by name. */
  missed: string[];
  /** Scenario-specific figures: recovery time, memory, retries. */
  notes: Record<string, number | string>;
}

/** A named assertion on the scenario's figures; `detail` is what the failure message shows. */
export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

/**
 * Where the table goes: bench/results (make chaos, a run to keep), or MCPFLEET_CHAOS_RESULTS
 * (make test points it at an ignored directory, so a test run leaves the tree as it found it).
 */
const RESULTS = process.env.MCPFLEET_CHAOS_RESULTS || join(ROOT, 'bench/results');

function markdown(date: string, rows: ChaosRow[]): string {
  const codes = (row: ChaosRow) =>
    Object.entries(row.errorsByCode)
      .map(([code, n]) => `${n}× ${code}`)
      .join(', ') || '–';
  const notes = (row: ChaosRow) =>
    Object.entries(row.notes)
      .map(([key, value]) => `${key} ${value}`)
      .concat(row.errorWindows ? [`failures due at ms ${row.errorWindows}`] : [])
      .join('; ');
  const lines = [
    `# Chaos suite, ${date}`,
    '',
    `\`make chaos\` on ${cpus().length} cores, Node ${process.version}. Open-loop load through real gateway and provider processes; a call is lost when it has no answer by its deadline plus a margin. Latency counts from when a call was due.`,
    '',
    '| scenario | sent | ok | error (by code) | lost | max latency ms | p99 ms | target | met | notes |',
    '| --- | --: | --: | --- | --: | --: | --: | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.sent} | ${r.ok} | ${r.error}: ${codes(r)} | ${r.lost} | ${r.maxLatencyMs} | ${r.p99LatencyMs} | ${r.target} | ${r.met ? 'yes' : `**no**: ${r.missed.join('; ')}`} | ${notes(r)} |`,
    ),
    '',
    'What callers were told (the first distinct messages of each error code):',
    '',
    ...rows.flatMap((r) =>
      Object.entries(r.messagesByCode).flatMap(([code, messages]) =>
        messages.map((message) => `- ${r.scenario}, ${code}: ${JSON.stringify(message.slice(0, 200))}`),
      ),
    ),
    '',
  ];
  return lines.join('\n');
}

async function writeRow(row: ChaosRow): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const json = join(RESULTS, `chaos-${date}.json`);
  await mkdir(RESULTS, { recursive: true });
  const previous = await readFile(json, 'utf8').then(
    (text) => (JSON.parse(text) as { rows: ChaosRow[] }).rows,
    () => [] as ChaosRow[],
  );
  const rows = [...previous.filter((r) => r.scenario !== row.scenario), row].sort((a, b) =>
    a.scenario.localeCompare(b.scenario, 'en', { numeric: true }),
  );
  await writeFile(
    json,
    `${JSON.stringify({ date, node: process.version, cores: cpus().length, rows }, null, 2)}\n`,
  );
  await writeFile(join(RESULTS, `chaos-${date}.md`), markdown(date, rows));
}

/**
 * Writes the scenario's row, then asserts every check; one failure message lists every check
 * that failed with its detail.
 */
export async function judge(
  scenario: string,
  target: string,
  load: LoadReport,
  checks: Check[],
  notes: ChaosRow['notes'] = {},
): Promise<void> {
  const missed = checks.filter((c) => !c.pass);
  const { records: _records, ...figures } = load;
  await writeRow({
    scenario,
    ...figures,
    target,
    met: missed.length === 0,
    missed: missed.map((c) => c.name),
    notes,
  });
  assert.ok(
    missed.length === 0,
    `${scenario}: ${missed.map((c) => `${c.name} (${c.detail})`).join('; ')}\nfigures: ${JSON.stringify({ ...figures, notes })}`,
  );
}

/** The usual first checks: every call answered, none with an error. */
export function nothingLost(load: LoadReport): Check {
  return {
    name: 'no call lost',
    pass: load.lost === 0,
    detail: `${load.lost} of ${load.sent} calls had no answer by their deadline`,
  };
}

/** Every failed call failed with one of `codes` (what the scenario's contract allows). */
export function onlyErrors(load: LoadReport, codes: readonly string[], name: string): Check {
  const others = Object.keys(load.errorsByCode).filter((code) => !codes.includes(code));
  return {
    name,
    pass: others.length === 0,
    detail: `other errors: ${JSON.stringify(others.map((code) => [code, load.messagesByCode[code]]))}`,
  };
}

export function noErrors(load: LoadReport): Check {
  return {
    name: 'no call failed',
    pass: load.error === 0,
    detail: `${load.error} calls failed: ${JSON.stringify(load.errorsByCode)}`,
  };
}

/**
 * Calls succeed again once the fault was repaired at `fromMs` (`what`), and keep succeeding;
 * with the time from the repair to the first success, for the notes.
 */
export function recovered(
  load: LoadReport,
  fromMs: number,
  what: string,
): { checks: Check[]; recoveryMs: number | 'never' } {
  const { after, firstOk, relapses } = recoveryAfter(load.records, fromMs);
  return {
    checks: [
      {
        name: `calls succeed again after ${what}`,
        pass: firstOk !== undefined,
        detail: `none of the ${after.length} calls due after ${what} succeeded`,
      },
      {
        name: 'once recovered, every later call succeeds',
        pass: relapses.length === 0,
        detail: `${relapses.length} failed after the first success: ${JSON.stringify(relapses.slice(0, 3))}`,
      },
    ],
    recoveryMs: firstOk ? Math.round(firstOk.dueMs - fromMs) : 'never',
  };
}
