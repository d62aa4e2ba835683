/**
 * The grep worker: matches lines of one file at a time against one pattern. It runs apart from the
 * provider's event loop so a costly match never holds other calls; the provider terminates it at
 * the call's deadline, abandoning a line mid-match.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FileRequest, FileResult, LineMatch, MatcherSetup } from './matcher.js';
import { compileRe2 } from './re2.js';

const setup = workerData as MatcherSetup;
const pattern = compileRe2(setup.pattern, setup.ignoreCase);

parentPort?.on('message', ({ text, most }: FileRequest) => {
  const lines = text.split('\n');
  const matches: LineMatch[] = [];
  let skipped = 0;
  for (const [i, line] of lines.entries()) {
    if ((line.length + 1) * pattern.stepsPerChar > setup.maxLineWork) {
      skipped++;
      continue;
    }
    if (!pattern.test(line)) continue;
    matches.push({
      line: i + 1,
      text: line,
      before: lines.slice(Math.max(0, i - setup.context), i),
      after: lines.slice(i + 1, i + 1 + setup.context),
    });
    if (matches.length >= most) break;
  }
  parentPort?.postMessage({ matches, skipped } satisfies FileResult);
});
