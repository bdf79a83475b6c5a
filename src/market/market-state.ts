import type { AssetId } from '../domain/asset.js';
import { APY_FIELDS, OBSERVATION_FIELDS, type Observation, type ObservationField } from '../domain/observation.js';
import { YEAR, type EpochMs } from '../domain/time.js';
import type { AssetView, FieldReading, Snapshot } from './asset-view.js';

interface AssetTrack {
  /** Latest value, time and source per field, in OBSERVATION_FIELDS order (NaN = never seen). */
  values: Float64Array;
  times: Float64Array;
  sources: string[];
  /** Fair-rate history, oldest first; entries before `start` are dead and compacted now and then. */
  rateTimes: number[];
  rates: number[];
  start: number;
  lastTime: number;
  /** When the fair rate took its current value. */
  rateSince: number;
  /** Reported APY readings per field, oldest first, pruned to the APY window. */
  apys: Partial<Record<ApyField, { times: number[]; values: number[]; start: number }>>;
}

type ApyField = (typeof APY_FIELDS)[number];

const NF = OBSERVATION_FIELDS.length;
// ingest() writes fields by position; this fails loudly if OBSERVATION_FIELDS is ever reordered.
if (OBSERVATION_FIELDS.join() !== 'fairRate,marketRate,apyBase,apyMev,apyRestaking,apyIncentives,apyLending,supplyIndex,tvlBase,exitLiquidityBase,redemptionDelaySeconds,exitImpact,exitSizeBase') {
  throw new Error('MarketState.ingest is out of step with OBSERVATION_FIELDS');
}

/**
 * Folds observations, in time order, into the latest view of each asset. The same fold serves live
 * mode (readings as they arrive), paper mode and backtests (recorded rows), so a decision sees exactly
 * what it would have seen then. Not pure in the strict sense (it accumulates), but deterministic and
 * free of I/O: the same observations in the same order give the same views.
 */
export class MarketState {
  private readonly tracks = new Map<AssetId, AssetTrack>();

  /**
   * @param apyWindowMs trailing window over which fair-rate growth becomes an APY
   * @param peakWindowMs trailing window over which a fall from the peak fair rate is measured
   */
  constructor(
    readonly apyWindowMs: number,
    readonly peakWindowMs: number = apyWindowMs,
  ) {}

  /**
   * Readings arrive in time order per source; across sources (a lagging node, an API's daily bucket, a
   * quarantined reading released on confirmation) an older reading may follow a newer one. It never
   * overwrites a newer value of the same field, and joins the rate and APY series only if newer than
   * their last point: stale is ignored, not a failure.
   */
  ingest(o: Observation): void {
    let t = this.tracks.get(o.asset);
    if (!t) {
      t = { values: new Float64Array(NF).fill(NaN), times: new Float64Array(NF), sources: new Array<string>(NF).fill(''), rateTimes: [], rates: [], start: 0, lastTime: o.time, rateSince: o.time, apys: {} };
      this.tracks.set(o.asset, t);
    }
    if (o.time > t.lastTime) t.lastTime = o.time;
    // Unrolled over the fields on purpose: this runs once per recorded row, the backtest's hot loop.
    if (o.fairRate !== undefined) this.set(t, 0, o.fairRate, o);
    if (o.marketRate !== undefined) this.set(t, 1, o.marketRate, o);
    if (o.apyBase !== undefined) this.set(t, 2, o.apyBase, o);
    if (o.apyMev !== undefined) this.set(t, 3, o.apyMev, o);
    if (o.apyRestaking !== undefined) this.set(t, 4, o.apyRestaking, o);
    if (o.apyIncentives !== undefined) this.set(t, 5, o.apyIncentives, o);
    if (o.apyLending !== undefined) this.set(t, 6, o.apyLending, o);
    if (o.supplyIndex !== undefined) this.set(t, 7, o.supplyIndex, o);
    if (o.tvlBase !== undefined) this.set(t, 8, o.tvlBase, o);
    if (o.exitLiquidityBase !== undefined) this.set(t, 9, o.exitLiquidityBase, o);
    if (o.redemptionDelaySeconds !== undefined) this.set(t, 10, o.redemptionDelaySeconds, o);
    if (o.exitImpact !== undefined) this.set(t, 11, o.exitImpact, o);
    if (o.exitSizeBase !== undefined) this.set(t, 12, o.exitSizeBase, o);
    if (o.apyBase === undefined && o.apyMev === undefined && o.apyRestaking === undefined && o.apyIncentives === undefined && o.apyLending === undefined) {
      if (o.fairRate !== undefined) this.pushRate(t, o);
      return;
    }
    for (const f of APY_FIELDS) {
      const v = o[f];
      if (v === undefined) continue;
      const series = (t.apys[f] ??= { times: [], values: [], start: 0 });
      if (series.times.length && o.time <= (series.times[series.times.length - 1] as number)) continue;
      series.times.push(o.time);
      series.values.push(v);
      while (series.start < series.times.length - 1 && (series.times[series.start] as number) <= o.time - this.apyWindowMs) series.start++;
      if (series.start > 4096) {
        series.times = series.times.slice(series.start);
        series.values = series.values.slice(series.start);
        series.start = 0;
      }
    }
    if (o.fairRate !== undefined) this.pushRate(t, o);
  }

  private set(t: AssetTrack, k: number, v: number, o: Observation): void {
    if (!Number.isNaN(t.values[k] as number) && o.time < (t.times[k] as number)) return;
    t.values[k] = v;
    t.times[k] = o.time;
    t.sources[k] = o.source;
  }

  private pushRate(t: AssetTrack, o: Observation): void {
    const rate = o.fairRate as number;
    if (t.rateTimes.length && o.time <= (t.rateTimes[t.rateTimes.length - 1] as number)) return;
    if (t.rates.length === 0 || t.rates[t.rates.length - 1] !== rate) t.rateSince = o.time;
    t.rateTimes.push(o.time);
    t.rates.push(rate);
    this.prune(t, o.time);
  }

  ingestAll(obs: Iterable<Observation>): void {
    for (const o of obs) this.ingest(o);
  }

  private prune(t: AssetTrack, now: number): void {
    // Keep one point older than the longest window so the window's start can be anchored.
    const horizon = now - Math.max(this.apyWindowMs, this.peakWindowMs);
    while (t.start + 1 < t.rateTimes.length && (t.rateTimes[t.start + 1] as number) <= horizon) t.start++;
    if (t.start > 4096) {
      t.rateTimes = t.rateTimes.slice(t.start);
      t.rates = t.rates.slice(t.start);
      t.start = 0;
    }
  }

  view(now: EpochMs): Snapshot {
    const assets = new Map<AssetId, AssetView>();
    for (const [asset, t] of this.tracks) assets.set(asset, this.viewOf(asset, t, now));
    return { time: now, assets };
  }

  private viewOf(asset: AssetId, t: AssetTrack, now: EpochMs): AssetView {
    const fields: Partial<Record<ObservationField, FieldReading>> = {};
    for (let k = 0; k < NF; k++) {
      const value = t.values[k] as number;
      if (!Number.isNaN(value)) fields[OBSERVATION_FIELDS[k] as ObservationField] = { value, time: t.times[k] as number, source: t.sources[k] as string };
    }
    return {
      asset,
      fields,
      rateGrowthApy: growthApy(t, now, this.apyWindowMs),
      fairRatePeak: peak(t, now, this.peakWindowMs),
      apyAverage: averages(t, now, this.apyWindowMs),
      lastTime: t.lastTime,
      fairRateSince: t.rates.length ? t.rateSince : null,
    };
  }
}

/**
 * Annualised, compounded growth of the fair rate between the newest point and the newest point at
 * least `window` older (or the oldest kept, if it spans at least half the window).
 */
function growthApy(t: AssetTrack, now: number, window: number): number | null {
  const n = t.rateTimes.length;
  if (n - t.start < 2) return null;
  const tEnd = t.rateTimes[n - 1] as number;
  const rEnd = t.rates[n - 1] as number;
  let i = n - 2;
  while (i > t.start && (t.rateTimes[i] as number) > tEnd - window) i--;
  const t0 = t.rateTimes[i] as number;
  const r0 = t.rates[i] as number;
  const dt = tEnd - t0;
  if (dt < window / 2 || dt <= 0 || tEnd > now) return null;
  return Math.pow(rEnd / r0, YEAR / dt) - 1;
}

function peak(t: AssetTrack, now: number, window: number): number | null {
  let best: number | null = null;
  for (let i = t.rateTimes.length - 1; i >= t.start; i--) {
    if ((t.rateTimes[i] as number) < now - window) break;
    const r = t.rates[i] as number;
    if (best === null || r > best) best = r;
  }
  return best;
}

/** Mean of each reported APY over the readings inside the window (readings are roughly evenly spaced). */
function averages(t: AssetTrack, now: number, window: number): Partial<Record<ApyField, number>> {
  const out: Partial<Record<ApyField, number>> = {};
  for (const f of APY_FIELDS) {
    const s = t.apys[f];
    if (!s) continue;
    let sum = 0;
    let n = 0;
    for (let i = s.times.length - 1; i >= s.start; i--) {
      if ((s.times[i] as number) < now - window) break;
      sum += s.values[i] as number;
      n++;
    }
    if (n > 0) out[f] = sum / n;
  }
  return out;
}
