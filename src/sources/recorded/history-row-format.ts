import { DataError, type Issue } from '../../errors.js';
import type { Observation, ObservationField } from '../../domain/observation.js';
import { FIRST_VALUE_COLUMN, HISTORY_COLUMNS, isCleanText, TEXT_EXPECTED, VALUE_FIELDS } from './history-columns.js';
import { formatHistoryTime } from './history-time.js';

/**
 * One line of the format (no trailing newline) for an observation. Numbers are written with
 * String(number), which round-trips every double exactly. Throws a DataError for anything the
 * parser would reject (non-finite numbers, text with commas/quotes/spaces, sub-second times) so an
 * exporter can never write a file the reader refuses.
 */
export function formatHistoryRow(o: Observation): string {
  const issues: Issue[] = [];
  let time = '';
  try {
    time = formatHistoryTime(o.time);
  } catch (e) {
    issues.push({ where: 'time', value: o.time, expected: (e as Error).message });
  }
  if (!o.asset || !isCleanText(o.asset)) issues.push({ where: 'asset', value: o.asset, expected: `an asset id: ${TEXT_EXPECTED}` });
  if (!o.source || !isCleanText(o.source)) issues.push({ where: 'source', value: o.source, expected: `a source name: ${TEXT_EXPECTED}` });
  if (o.ref !== undefined && o.ref !== '' && !isCleanText(o.ref)) issues.push({ where: 'ref', value: o.ref, expected: TEXT_EXPECTED });
  let line = `${time},${o.asset},${o.source},${o.ref ?? ''}`;
  for (let i = 0; i < VALUE_FIELDS.length; i++) {
    const f = VALUE_FIELDS[i] as ObservationField;
    const v = o[f];
    if (v === undefined) {
      line += ',';
    } else if (typeof v !== 'number' || !Number.isFinite(v)) {
      issues.push({ where: HISTORY_COLUMNS[FIRST_VALUE_COLUMN + i] as string, value: v, expected: 'a finite number' });
    } else {
      line += Object.is(v, -0) ? ",-0" : `,${String(v)}`; // String(-0) is "0"
    }
  }
  if (issues.length > 0) throw new DataError(`history row ${o.asset}@${String(o.time)}`, issues);
  return line;
}
