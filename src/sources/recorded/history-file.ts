import { readFileSync } from 'node:fs';
import { DataError, type Issue } from '../../errors.js';
import { APY_MAX_FRACTION, APY_MIN_FRACTION, checkObservation } from '../../domain/observation-check.js';
import { OBSERVATION_FIELDS, type Observation, type ObservationField } from '../../domain/observation.js';
import type { EpochMs } from '../../domain/time.js';

/**
 * The project's recorded-history format (history/FORMAT.md is the specification; keep the two in step).
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

export const HISTORY_FORMAT_VERSION = 2;

export const HISTORY_COLUMNS = [
  'time',
  'asset',
  'source',
  'ref',
  'fair_rate',
  'market_rate',
  'apy_base',
  'apy_mev',
  'apy_restaking',
  'apy_incentives',
  'apy_lending',
  'supply_index',
  'tvl_base',
  'exit_liquidity_base',
  'redemption_delay_s',
  'exit_impact',
  'exit_size_base',
] as const;
export type HistoryColumn = (typeof HISTORY_COLUMNS)[number];

export const HISTORY_HEADER = HISTORY_COLUMNS.join(',');
/** Version 1 had the first 15 columns; such files still read (the two exit columns are simply absent). */
const V1_COLUMNS = 15;
const HISTORY_HEADER_V1 = HISTORY_COLUMNS.slice(0, V1_COLUMNS).join(',');

/** Numeric columns (index 4 on) → Observation field: the format lists them in OBSERVATION_FIELDS order. */
const VALUE_FIELDS: readonly ObservationField[] = OBSERVATION_FIELDS;
const FIRST_VALUE_COLUMN = 4;
const NCOL = HISTORY_COLUMNS.length;

/**
 * A cheap per-column pre-screen mirroring checkObservation's bounds, so the common clean row does not
 * pay for a call (and an array) per row: a row is handed to checkObservation, which has the final
 * word and the messages, whenever any value falls outside these bounds. The test suite checks that
 * every observation checkObservation rejects is also rejected by the parser, so a tightened
 * checkObservation cannot be silently bypassed here.
 */
const enum Screen {
  Rate,
  Apy,
  Positive,
  NonNegative,
  Finite,
  Never,
}
function screenOf(f: ObservationField): Screen {
  switch (f) {
    case 'fairRate':
    case 'marketRate':
      return Screen.Rate;
    case 'apyBase':
    case 'apyMev':
    case 'apyRestaking':
    case 'apyIncentives':
    case 'apyLending':
      return Screen.Apy;
    case 'supplyIndex':
      return Screen.Positive;
    case 'tvlBase':
    case 'exitLiquidityBase':
    case 'redemptionDelaySeconds':
      return Screen.NonNegative;
    case 'exitImpact':
    case 'exitSizeBase':
      // Paired and bounded in checkObservation: always let it have the final word.
      return Screen.Never;
    default:
      return Screen.Finite;
  }
}
const SCREENS: readonly Screen[] = VALUE_FIELDS.map(screenOf);
function passesScreen(screen: Screen, v: number): boolean {
  switch (screen) {
    case Screen.Rate:
      return v > 0 && v < 1e6;
    case Screen.Apy:
      return v <= APY_MAX_FRACTION && v >= APY_MIN_FRACTION;
    case Screen.Positive:
      return v > 0;
    case Screen.NonNegative:
      return v >= 0;
    case Screen.Never:
      return false;
    default:
      return true;
  }
}

/** Observation field name (as checkObservation reports it) → column index. */
const FIELD_COLUMN: Readonly<Record<string, number>> = (() => {
  const m: Record<string, number> = { time: 0, asset: 1, source: 2, ref: 3 };
  VALUE_FIELDS.forEach((f, i) => (m[f] = FIRST_VALUE_COLUMN + i));
  return m;
})();

/** Stop listing problems after this many; the count of the rest is still reported. */
export const MAX_HISTORY_ISSUES = 100;

const TIME_EXPECTED = 'an ISO-8601 UTC time YYYY-MM-DDTHH:MM:SSZ (e.g. 2024-08-06T00:00:00Z)';
const NUMBER_EXPECTED = 'a finite decimal number (e.g. 1.0234 or 3.5e-6), or an empty field for "not recorded"';
const TEXT_EXPECTED = 'text without spaces, commas, quotes or control characters';

type MutableObservation = { -readonly [K in keyof Observation]: Observation[K] };

export function readHistoryFile(path: string): Observation[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(path, [{ where: path, value: (e as NodeJS.ErrnoException).code ?? String(e), expected: 'a readable recorded-history file' }]);
  }
  return parseHistory(text, path);
}

// ---------------------------------------------------------------------------------------------------
// time

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Digit at text[i] or -1. */
function digit(text: string, i: number): number {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/**
 * Parses exactly `YYYY-MM-DDTHH:MM:SSZ` in text[a, b) to epoch ms without allocating; NaN when the
 * shape or any component is wrong (month 13, Feb 30, hour 24, second 60 are all rejected).
 */
export function parseHistoryTime(text: string, a: number, b: number): EpochMs {
  if (b - a !== 20) return NaN;
  if (
    text.charCodeAt(a + 4) !== 45 || // -
    text.charCodeAt(a + 7) !== 45 ||
    text.charCodeAt(a + 10) !== 84 || // T
    text.charCodeAt(a + 13) !== 58 || // :
    text.charCodeAt(a + 16) !== 58 ||
    text.charCodeAt(a + 19) !== 90 // Z
  ) {
    return NaN;
  }
  const y0 = digit(text, a), y1 = digit(text, a + 1), y2 = digit(text, a + 2), y3 = digit(text, a + 3);
  const m0 = digit(text, a + 5), m1 = digit(text, a + 6);
  const d0 = digit(text, a + 8), d1 = digit(text, a + 9);
  const h0 = digit(text, a + 11), h1 = digit(text, a + 12);
  const n0 = digit(text, a + 14), n1 = digit(text, a + 15);
  const s0 = digit(text, a + 17), s1 = digit(text, a + 18);
  if ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1 | h0 | h1 | n0 | n1 | s0 | s1) < 0) return NaN;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  const hour = h0 * 10 + h1;
  const minute = n0 * 10 + n1;
  const second = s0 * 10 + s1;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return NaN;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const dim = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month] as number);
  if (day > dim) return NaN;
  // days from civil (H. Hinnant), proleptic Gregorian, year ≥ 0 here.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000;
}

/** Epoch ms → `YYYY-MM-DDTHH:MM:SSZ`; throws unless the time is a whole second in years 0000–9999. */
export function formatHistoryTime(ms: EpochMs): string {
  if (!Number.isFinite(ms) || ms % 1000 !== 0) {
    throw new RangeError(`history times are whole seconds (YYYY-MM-DDTHH:MM:SSZ): got ${ms}`);
  }
  const iso = new Date(ms).toISOString();
  if (iso.length !== 24) throw new RangeError(`history times are in years 0000–9999: got ${iso}`);
  return `${iso.slice(0, 19)}Z`;
}

// ---------------------------------------------------------------------------------------------------
// writing

function isCleanText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 44 || c === 34 || c === 127) return false;
  }
  return true;
}

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

// ---------------------------------------------------------------------------------------------------
// reading

/** Character classes for numeric fields: digits . + - e E. */
function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69;
}

const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The number in text[a, b) (non-empty), exactly as Number() reads it, or NaN when it is not a plain
 * decimal (hex, whitespace, "Infinity", "NaN" are all refused; Infinity from overflow is returned and
 * refused by the caller). Fast path without allocation: a decimal whose digits form an integer
 * m ≤ 2^53 − 1 with at most 22 fractional digits is m / 10^k, both exact doubles, so the one
 * correctly rounded division gives the same double as Number(). Anything else falls back to Number().
 */
export function parseHistoryNumber(text: string, a: number, b: number): number {
  let i = a;
  let c = text.charCodeAt(i);
  const neg = c === 45;
  if (neg || c === 43) i++;
  let m = 0;
  let frac = 0;
  let digits = 0;
  let dot = false;
  for (; i < b; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      m = m * 10 + (c - 48);
      if (dot) frac++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (i === b && digits > 0 && m <= Number.MAX_SAFE_INTEGER && frac <= 22) {
    const v = m / (POW10[frac] as number);
    return neg ? -v : v;
  }
  for (let j = a; j < b; j++) if (!isNumberChar(text.charCodeAt(j))) return NaN;
  return Number(text.slice(a, b));
}

/**
 * Parses the recorded-history text. Collects every problem (up to MAX_HISTORY_ISSUES listed) and
 * throws one DataError naming `<fileLabel>:<line>:<column>` for each; returns the observations in
 * file order otherwise.
 */
export function parseHistory(text: string, fileLabel: string): Observation[] {
  const out: Observation[] = [];
  const issues: Issue[] = [];
  let unlisted = 0;
  const n = text.length;

  // Per-row scratch, reused: field start/end offsets (so problems can quote the raw text).
  // Columns in this file: version 2 has NCOL, version 1 the first 15 (known once the header is read).
  let ncol: number = NCOL;
  const fs = new Int32Array(NCOL);
  const fe = new Int32Array(NCOL);
  const vals = new Float64Array(NCOL);
  let lineNo = 0;
  let rowBad = 0; // bitmask of columns already reported on the current row

  const report = (column: string, value: unknown, expected: string): void => {
    if (issues.length < MAX_HISTORY_ISSUES) issues.push({ where: `${fileLabel}:${lineNo}:${column}`, value, expected });
    else unlisted++;
  };
  const reportCol = (col: number, expected: string): void => {
    rowBad |= 1 << col;
    report(HISTORY_COLUMNS[col] as string, text.slice(fs[col] as number, fe[col] as number), expected);
  };

  // Interned asset (column 1) and source (column 2) strings: a row with a known name allocates nothing
  // for it, and every observation shares one copy. Copies are flat (not slices of `text`, which would
  // keep the whole file alive for as long as any observation lives).
  const interned: [string[], string[]] = [[], []];
  const lastHit = [0, 0];
  const matches = (s: string, a: number, len: number): boolean => {
    if (s.length !== len) return false;
    for (let j = 0; j < len; j++) if (s.charCodeAt(j) !== text.charCodeAt(a + j)) return false;
    return true;
  };
  const intern = (which: 0 | 1, a: number, b: number): string | undefined => {
    const list = interned[which];
    const len = b - a;
    const last = list[lastHit[which] as number];
    if (last !== undefined && matches(last, a, len)) return last;
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as string;
      if (matches(s, a, len)) {
        lastHit[which] = i;
        return s;
      }
    }
    const s = text.slice(a, b);
    if (!isCleanText(s)) return undefined;
    if (list.length >= 256) return s;
    const flat = Buffer.from(s, 'utf8').toString('utf8');
    lastHit[which] = list.length;
    list.push(flat);
    return flat;
  };

  let headerSeen = false;
  let crlfReported = false;
  let prevTime = -Infinity;
  let prevTimeLine = 0;
  let prevTimeText = '';
  // Rows sharing the current time, for the (time, asset, source) uniqueness check.
  const group: Observation[] = [];
  const groupLines: number[] = [];
  let groupSize = 0;
  let groupKeys: Map<string, number> | undefined;

  let pos = 0;
  if (n > 0 && text.charCodeAt(0) === 0xfeff) {
    lineNo = 1;
    report('header', '\uFEFF', 'no byte-order mark (plain UTF-8)');
    lineNo = 0;
    pos = 1;
  }

  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    const hasNewline = nl !== -1;
    if (!hasNewline) nl = n;
    lineNo++;
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

    // ---- split into exactly NCOL fields
    rowBad = 0;
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
      report(
        HISTORY_COLUMNS[ncol - 1] as string,
        text.slice(p, end),
        'every line to end with \\n (the last line has none: file truncated?)',
      );
    }

    // ---- time
    const time = parseHistoryTime(text, fs[0] as number, fe[0] as number);
    if (Number.isNaN(time)) reportCol(0, TIME_EXPECTED);

    // ---- asset, source, ref
    let asset = '';
    let source = '';
    if (fe[1] === fs[1]) reportCol(1, 'an asset id (empty)');
    else {
      const s = intern(0, fs[1] as number, fe[1] as number);
      if (s === undefined) reportCol(1, `an asset id: ${TEXT_EXPECTED}`);
      else asset = s;
    }
    if (fe[2] === fs[2]) reportCol(2, 'a source name (empty)');
    else {
      const s = intern(1, fs[2] as number, fe[2] as number);
      if (s === undefined) reportCol(2, `a source name: ${TEXT_EXPECTED}`);
      else source = s;
    }
    let ref: string | undefined;
    if (fe[3] !== fs[3]) {
      ref = text.slice(fs[3] as number, fe[3] as number);
      if (!isCleanText(ref)) {
        ref = undefined;
        reportCol(3, `a block/slot/epoch reference like block:18908894 or epoch:650: ${TEXT_EXPECTED}`);
      }
    }

    // ---- numbers (into scratch first, so the object below is built with named stores only)
    let present = 0;
    let suspicious = rowBad !== 0;
    for (let c = FIRST_VALUE_COLUMN; c < ncol; c++) {
      const a = fs[c] as number;
      const b = fe[c] as number;
      if (a === b) continue;
      const v = parseHistoryNumber(text, a, b);
      if (!Number.isFinite(v)) {
        reportCol(c, NUMBER_EXPECTED);
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
        else if ((rowBad & (1 << c)) === 0) reportCol(c, pr.expected);
      }
    }

    // ---- order and uniqueness
    if (!Number.isNaN(time)) {
      if (time < prevTime) {
        report('time', text.slice(fs[0] as number, fe[0] as number), `a time ≥ the previous row's ${prevTimeText} (line ${prevTimeLine}): rows must be in non-decreasing time order`);
      }
      if (time !== prevTime) {
        groupSize = 0;
        groupKeys = undefined;
        prevTime = time;
        prevTimeText = text.slice(fs[0] as number, fe[0] as number);
      }
      prevTimeLine = lineNo;
      if (asset !== '' && source !== '') {
        let dupLine = 0;
        if (groupKeys !== undefined) {
          const key = `${asset}\u0000${source}`;
          dupLine = groupKeys.get(key) ?? 0;
          if (dupLine === 0) groupKeys.set(key, lineNo);
        } else {
          for (let g = 0; g < groupSize; g++) {
            const other = group[g] as Observation;
            if (other.asset === asset && other.source === source) {
              dupLine = groupLines[g] as number;
              break;
            }
          }
          if (dupLine === 0) {
            group[groupSize] = o;
            groupLines[groupSize] = lineNo;
            groupSize++;
            if (groupSize > 32) {
              groupKeys = new Map();
              for (let g = 0; g < groupSize; g++) {
                const other = group[g] as Observation;
                groupKeys.set(`${other.asset}\u0000${other.source}`, groupLines[g] as number);
              }
            }
          }
        }
        if (dupLine !== 0) {
          report(
            'time',
            `${prevTimeText},${asset},${source}`,
            `a unique (time, asset, source): line ${dupLine} already has ${asset} from ${source} at ${prevTimeText}`,
          );
        }
      }
    }

    out.push(o);
  }

  if (!headerSeen) {
    lineNo = Math.max(lineNo, 1);
    report('time', undefined, `the header line: ${HISTORY_HEADER}`);
  }
  if (unlisted > 0) {
    issues.push({ where: fileLabel, value: unlisted, expected: `no further problems (listing stopped after ${MAX_HISTORY_ISSUES}; ${unlisted} more not listed)` });
  }
  if (issues.length > 0) throw new DataError(fileLabel, issues);
  return out;
}

function checkHeader(line: string, report: (column: string, value: unknown, expected: string) => void): number {
  if (line === HISTORY_HEADER) return NCOL;
  if (line === HISTORY_HEADER_V1) return V1_COLUMNS;
  const got = line.split(',');
  const whole = `the header must be exactly: ${HISTORY_HEADER} (or, for a version-1 file, its first ${V1_COLUMNS} columns)`;
  for (let i = 0; i < NCOL; i++) {
    if (got[i] !== HISTORY_COLUMNS[i]) {
      report(HISTORY_COLUMNS[i] as string, got[i], `column ${i + 1} named "${HISTORY_COLUMNS[i]}" (${whole})`);
      return got.length === V1_COLUMNS ? V1_COLUMNS : NCOL;
    }
  }
  report(got[NCOL] ?? 'header', got[NCOL], `no column after ${HISTORY_COLUMNS[NCOL - 1]} (${whole})`);
  return NCOL;
}
