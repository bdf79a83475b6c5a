import type { EpochMs } from '../../domain/time.js';

/** The format's one time shape, `YYYY-MM-DDTHH:MM:SSZ`: read without allocating, written exactly. */

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
