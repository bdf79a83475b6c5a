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

/** Strict ISO-8601 with an explicit zone; "2024-05-13 04:00:00+00:00" is accepted too. */
export function parseTime(text: string): EpochMs {
  const t = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(t)) {
    throw new RangeError(`not an ISO-8601 UTC time: "${text}"`);
  }
  const ms = Date.parse(t.length === 10 ? `${t}T00:00:00Z` : t.replace(' ', 'T'));
  if (!Number.isFinite(ms)) throw new RangeError(`not a valid time: "${text}"`);
  return ms;
}

export function formatTime(ms: EpochMs): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
