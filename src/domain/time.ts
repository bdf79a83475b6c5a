/** Times inside the program are epoch milliseconds (UTC). Parsing and printing happen at named edges. */
export type EpochMs = number;

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** A Julian year: the convention APY annualisation uses throughout. */
export const YEAR = 365 * DAY;

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const UNIT: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY };

/** "36h", "1d", "90m" → milliseconds. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new RangeError(`not a duration (expected e.g. "30m", "36h", "7d"): "${text}"`);
  return Number(m[1]) * (UNIT[m[2] as string] as number);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Strict ISO-8601 with an explicit zone ("2024-06-01T00:00:00Z"; "2024-05-13 04:00:00+00:00" too); a bare
 * date means midnight UTC. A time without a zone is refused rather than read in the machine's zone, and a
 * date that does not exist (2024-02-30, month 13) is refused rather than rolled over.
 */
export function parseTime(text: string): EpochMs {
  const t = text.trim();
  const m = ISO.exec(t);
  if (!m) throw new RangeError(`not an ISO-8601 time: "${text}" (expected e.g. "2024-06-01" or "2024-06-01T00:00:00Z")`);
  if (m[4] !== undefined && m[7] === undefined) throw new RangeError(`"${text}" has no time zone (add "Z" for UTC, e.g. "${t}Z")`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const daysInMonth = mo >= 1 && mo <= 12 ? new Date(Date.UTC(y, mo, 0)).getUTCDate() : 0;
  if (mo < 1 || mo > 12) throw new RangeError(`not a valid date: "${text}" (month ${mo} does not exist)`);
  if (d < 1 || d > daysInMonth) throw new RangeError(`not a valid date: "${text}" (${y}-${String(mo).padStart(2, '0')} has ${daysInMonth} days)`);
  if (h > 23 || mi > 59 || s > 59) throw new RangeError(`not a valid time of day: "${text}"`);
  const ms = Date.parse(t.length === 10 ? `${t}T00:00:00Z` : t.replace(' ', 'T'));
  if (!Number.isFinite(ms)) throw new RangeError(`not a valid time: "${text}"`);
  return ms;
}

export function formatTime(ms: EpochMs): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
