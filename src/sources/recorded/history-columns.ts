import { OBSERVATION_FIELDS, type ObservationField } from '../../domain/observation.js';

/**
 * The columns of the recorded-history format (history/FORMAT.md is the specification; keep the two in
 * step), the header that names them, and the wording every history error uses for what a field should be.
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
export const V1_COLUMNS = 15;
const HISTORY_HEADER_V1 = HISTORY_COLUMNS.slice(0, V1_COLUMNS).join(',');

/** Numeric columns (index 4 on) → Observation field: the format lists them in OBSERVATION_FIELDS order. */
export const VALUE_FIELDS: readonly ObservationField[] = OBSERVATION_FIELDS;
export const FIRST_VALUE_COLUMN = 4;
export const NCOL = HISTORY_COLUMNS.length;

/** Observation field name (as checkObservation reports it) → column index. */
export const FIELD_COLUMN: Readonly<Record<string, number>> = (() => {
  const m: Record<string, number> = { time: 0, asset: 1, source: 2, ref: 3 };
  VALUE_FIELDS.forEach((f, i) => (m[f] = FIRST_VALUE_COLUMN + i));
  return m;
})();

export const TIME_EXPECTED = 'an ISO-8601 UTC time YYYY-MM-DDTHH:MM:SSZ (e.g. 2024-08-06T00:00:00Z)';
export const NUMBER_EXPECTED = 'a finite decimal number (e.g. 1.0234 or 3.5e-6), or an empty field for "not recorded"';
export const TEXT_EXPECTED = 'text without spaces, commas, quotes or control characters';

/** Text fields (asset, source, ref) hold no control characters, spaces, commas, quotes or DEL. */
export function isCleanText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 44 || c === 34 || c === 127) return false;
  }
  return true;
}

/** The number of columns a header line announces (17, or 15 for version 1), reporting a header that is neither. */
export function checkHeader(line: string, report: (column: string, value: unknown, expected: string) => void): number {
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
