import { DAY, YEAR } from '../domain/time.js';
import type { Measured } from './operator-costs.js';

/** Time-series arithmetic for the operator sections. Pure; series are [epoch ms, value] in time order. */

export type Series = ReadonlyArray<readonly [number, number]>;
export const ROLLING_WINDOW = 30 * DAY;
export const month = (t: number) => new Date(t).toISOString().slice(0, 7);

/** Annualized growth between two values over dt; not measurable over less than a day or from nothing. */
export function apyBetween(v0: number, v1: number, dt: number): Measured {
  if (!(v0 > 0) || !(v1 > 0) || dt < DAY) return 'not measurable';
  return Math.pow(v1 / v0, YEAR / dt) - 1;
}

/** The value of a series at or before t, or undefined. */
export function valueAt(series: Series, t: number): number | undefined {
  let lo = 0;
  let hi = series.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [mt, mv] = series[mid] as readonly [number, number];
    if (mt <= t) {
      found = mv;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Fall from the running peak (fraction ≤ 0) at each point. */
export function drawdownSeries(series: Series): Array<readonly [number, number]> {
  let peak = -Infinity;
  return series.map(([t, v]) => {
    peak = Math.max(peak, v);
    return [t, peak > 0 ? v / peak - 1 : 0] as const;
  });
}

export function maxDrawdown(series: Series): Measured {
  if (series.length < 2) return 'not measurable';
  return Math.min(0, ...drawdownSeries(series).map(([, d]) => d));
}

/** APY over the trailing window ending at t; not measurable before the series covers a whole window. */
export function trailingApy(series: Series, t: number, window = ROLLING_WINDOW): Measured {
  const start = series[0]?.[0];
  const v0 = valueAt(series, t - window);
  const v1 = valueAt(series, t);
  if (start === undefined || t - window < start || v0 === undefined || v1 === undefined) return 'not measurable';
  return apyBetween(v0, v1, window);
}

/** The last point of each calendar month (UTC). */
export function monthEnds(series: Series): Array<readonly [number, number]> {
  const ends = new Map<string, readonly [number, number]>();
  for (const p of series) ends.set(month(p[0]), p);
  return [...ends.values()];
}

/** At most one point per UTC day (the last), so a chart of an hourly journal stays light. */
export function daily(series: Series): Array<readonly [number, number]> {
  const out = new Map<number, readonly [number, number]>();
  for (const p of series) out.set(Math.floor(p[0] / DAY), p);
  return [...out.values()];
}

export const within = (s: Series, from: number, to: number) => s.filter(([t]) => t >= from && t <= to);
