import { checkObservation } from '../../domain/observation-check.js';
import type { Observation } from '../../domain/observation.js';
import { checkHeader, FIELD_COLUMN, FIRST_VALUE_COLUMN, HISTORY_COLUMNS, HISTORY_HEADER, isCleanText, NCOL, NUMBER_EXPECTED, TEXT_EXPECTED, TIME_EXPECTED } from './history-columns.js';
import { createInterner } from './history-intern.js';
import { HistoryIssues } from './history-issues.js';
import { parseHistoryNumber } from './history-number.js';
import { HistoryRowOrder } from './history-row-order.js';
import { passesScreen, SCREENS, type Screen } from './history-screen.js';
import { parseHistoryTime } from './history-time.js';

/**
 * Reading the recorded-history format (history/FORMAT.md; the columns are in history-columns.ts).
 *
 * CSV, UTF-8, `\n` line endings, no quoting. `#` lines are comments anywhere; empty lines are ignored.
 * The first non-comment line is exactly HISTORY_HEADER. Empty field = not recorded. Rows are in
 * non-decreasing time order and (time, asset, source) is unique.
 *
 * The parser is hand-written because it is the hot path of backtests: no csv library, no regex per
 * field, and per row nothing is allocated but the Observation itself and its `ref` string (asset and
 * source strings are interned; numbers are read from the text in place, except those with more
 * significant digits than a double holds exactly, which go through Number()).
 */

type MutableObservation = { -readonly [K in keyof Observation]: Observation[K] };

/**
 * Parses the recorded-history text. Collects every problem (up to MAX_HISTORY_ISSUES listed) and
 * throws one DataError naming `<fileLabel>:<line>:<column>` for each; returns the observations in
 * file order otherwise.
 */
export function parseHistory(text: string, fileLabel: string): Observation[] {
  const out: Observation[] = [];
  const n = text.length;

  // Per-row scratch, reused: field start/end offsets (so problems can quote the raw text).
  // Columns in this file: version 2 has NCOL, version 1 the first 15 (known once the header is read).
  let ncol: number = NCOL;
  const fs = new Int32Array(NCOL);
  const fe = new Int32Array(NCOL);
  const vals = new Float64Array(NCOL);
  const issues = new HistoryIssues(fileLabel, text, fs, fe);
  const report = (column: string, value: unknown, expected: string): void => issues.report(column, value, expected);
  const intern = createInterner(text);
  const order = new HistoryRowOrder();

  let headerSeen = false;
  let crlfReported = false;

  let pos = 0;
  if (n > 0 && text.charCodeAt(0) === 0xfeff) {
    issues.lineNo = 1;
    report('header', '\uFEFF', 'no byte-order mark (plain UTF-8)');
    issues.lineNo = 0;
    pos = 1;
  }

  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    const hasNewline = nl !== -1;
    if (!hasNewline) nl = n;
    issues.lineNo++;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 13) {
      if (!crlfReported) {
        crlfReported = true;
        report('line-ending', '\r\n', 'lines ending in \\n only (CRLF found; only the first such line is reported)');
      }
      end--;
    }
    const start = pos;
    pos = nl + 1;
    if (end === start) continue; // empty line
    if (text.charCodeAt(start) === 35) continue; // '#' comment

    if (!headerSeen) {
      headerSeen = true;
      ncol = checkHeader(text.slice(start, end), report);
      continue;
    }

    // ---- split into exactly ncol fields
    issues.rowBad = 0;
    let p = start;
    let col = 0;
    for (; col < ncol - 1; col++) {
      const c = text.indexOf(',', p);
      if (c === -1 || c >= end) break;
      fs[col] = p;
      fe[col] = c;
      p = c + 1;
    }
    if (col < ncol - 1) {
      const got = col + 1;
      report(
        HISTORY_COLUMNS[got] as string,
        text.slice(start, end),
        `${ncol} comma-separated columns; the line has ${got} and ends before column ${got + 1} (${HISTORY_COLUMNS[got]})${hasNewline ? '' : ' (last line has no newline: file truncated?)'}`,
      );
      continue;
    }
    fs[ncol - 1] = p;
    fe[ncol - 1] = end;
    {
      // The last column may not contain a comma.
      const extra = text.indexOf(',', p);
      if (extra !== -1 && extra < end) {
        let count = ncol;
        for (let i = extra; i < end; i++) if (text.charCodeAt(i) === 44) count++;
        report(HISTORY_COLUMNS[ncol - 1] as string, text.slice(start, end), `${ncol} comma-separated columns; the line has ${count}`);
        continue;
      }
    }
    if (!hasNewline) {
      report(HISTORY_COLUMNS[ncol - 1] as string, text.slice(p, end), 'every line to end with \\n (the last line has none: file truncated?)');
    }

    // ---- time
    const time = parseHistoryTime(text, fs[0] as number, fe[0] as number);
    if (Number.isNaN(time)) issues.reportCol(0, TIME_EXPECTED);

    // ---- asset, source, ref
    let asset = '';
    let source = '';
    if (fe[1] === fs[1]) issues.reportCol(1, 'an asset id (empty)');
    else {
      const s = intern(0, fs[1] as number, fe[1] as number);
      if (s === undefined) issues.reportCol(1, `an asset id: ${TEXT_EXPECTED}`);
      else asset = s;
    }
    if (fe[2] === fs[2]) issues.reportCol(2, 'a source name (empty)');
    else {
      const s = intern(1, fs[2] as number, fe[2] as number);
      if (s === undefined) issues.reportCol(2, `a source name: ${TEXT_EXPECTED}`);
      else source = s;
    }
    let ref: string | undefined;
    if (fe[3] !== fs[3]) {
      ref = text.slice(fs[3] as number, fe[3] as number);
      if (!isCleanText(ref)) {
        ref = undefined;
        issues.reportCol(3, `a block/slot/epoch reference like block:18908894 or epoch:650: ${TEXT_EXPECTED}`);
      }
    }

    // ---- numbers (into scratch first, so the object below is built with named stores only)
    let present = 0;
    let suspicious = issues.rowBad !== 0;
    for (let c = FIRST_VALUE_COLUMN; c < ncol; c++) {
      const a = fs[c] as number;
      const b = fe[c] as number;
      if (a === b) continue;
      const v = parseHistoryNumber(text, a, b);
      if (!Number.isFinite(v)) {
        issues.reportCol(c, NUMBER_EXPECTED);
        continue;
      }
      vals[c] = v;
      present |= 1 << c;
      if (!passesScreen(SCREENS[c - FIRST_VALUE_COLUMN] as Screen, v)) suspicious = true;
    }
    const o: MutableObservation = { time, asset, source };
    if (ref !== undefined) o.ref = ref;
    if (present !== 0) {
      if (present & (1 << 4)) o.fairRate = vals[4];
      if (present & (1 << 5)) o.marketRate = vals[5];
      if (present & (1 << 6)) o.apyBase = vals[6];
      if (present & (1 << 7)) o.apyMev = vals[7];
      if (present & (1 << 8)) o.apyRestaking = vals[8];
      if (present & (1 << 9)) o.apyIncentives = vals[9];
      if (present & (1 << 10)) o.apyLending = vals[10];
      if (present & (1 << 11)) o.supplyIndex = vals[11];
      if (present & (1 << 12)) o.tvlBase = vals[12];
      if (present & (1 << 13)) o.exitLiquidityBase = vals[13];
      if (present & (1 << 14)) o.redemptionDelaySeconds = vals[14];
      if (present & (1 << 15)) o.exitImpact = vals[15];
      if (present & (1 << 16)) o.exitSizeBase = vals[16];
    }

    // ---- range checks shared with every other source (columns already reported are not repeated)
    if (suspicious) {
      const problems = checkObservation(o);
      for (let k = 0; k < problems.length; k++) {
        const pr = problems[k] as { field: string; expected: string };
        const c = FIELD_COLUMN[pr.field];
        if (c === undefined) report(pr.field, (o as Record<string, unknown>)[pr.field], pr.expected);
        else if ((issues.rowBad & (1 << c)) === 0) issues.reportCol(c, pr.expected);
      }
    }

    if (!Number.isNaN(time)) order.check(o, text, fs[0] as number, fe[0] as number, issues);
    out.push(o);
  }

  if (!headerSeen) {
    issues.lineNo = Math.max(issues.lineNo, 1);
    report('time', undefined, `the header line: ${HISTORY_HEADER}`);
  }
  issues.throwIfAny();
  return out;
}
