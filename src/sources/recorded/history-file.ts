import { readFileSync } from 'node:fs';
import type { Observation } from '../../domain/observation.js';
import { DataError } from '../../errors.js';
import { parseHistory } from './history-parse.js';

/**
 * The project's recorded-history format (history/FORMAT.md is the specification): reading a file, and
 * the format's public pieces, each in a module of its own:
 * - history-columns.ts: the columns, the header, the wording of what a field should be;
 * - history-time.ts, history-number.ts: a field's time and number, read in place;
 * - history-screen.ts: the cheap range pre-screen in front of checkObservation;
 * - history-issues.ts: the problems, each at file:line:column;
 * - history-intern.ts, history-row-order.ts: shared names, and the time-order and uniqueness rules;
 * - history-parse.ts: the parser; history-row-format.ts: the writer.
 */
export { HISTORY_COLUMNS, HISTORY_FORMAT_VERSION, HISTORY_HEADER, type HistoryColumn } from './history-columns.js';
export { MAX_HISTORY_ISSUES } from './history-issues.js';
export { formatHistoryTime, parseHistoryTime } from './history-time.js';
export { parseHistoryNumber } from './history-number.js';
export { formatHistoryRow } from './history-row-format.js';
export { parseHistory } from './history-parse.js';

export function readHistoryFile(path: string): Observation[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(path, [{ where: path, value: (e as NodeJS.ErrnoException).code ?? String(e), expected: 'a readable recorded-history file' }]);
  }
  return parseHistory(text, path);
}
