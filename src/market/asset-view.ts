import type { AssetId } from '../domain/asset.js';
import type { ObservationField } from '../domain/observation.js';
import type { EpochMs } from '../domain/time.js';

/** A field's latest value with where and when it came from: every number a decision uses can be traced. */
export interface FieldReading {
  readonly value: number;
  readonly time: EpochMs;
  readonly source: string;
}

/** What the keeper knows about one asset at a decision time, built only from readings at or before it. */
export interface AssetView {
  readonly asset: AssetId;
  readonly fields: Readonly<Partial<Record<ObservationField, FieldReading>>>;
  /** APY implied by the fair rate's growth over the trailing window; null without enough history. */
  readonly rateGrowthApy: number | null;
  /** Reported APY components averaged over the trailing window (one day's reading is noise). */
  readonly apyAverage: Readonly<Partial<Record<'apyBase' | 'apyMev' | 'apyRestaking' | 'apyIncentives' | 'apyLending', number>>>;
  /** Highest fair rate seen in the trailing window (a fall below it means a slash or a loss). */
  readonly fairRatePeak: number | null;
  readonly lastTime: EpochMs | null;
  /** When the fair rate first took its current value (a stored rate that never moves is stale). */
  readonly fairRateSince: EpochMs | null;
}

/** Every asset's view at one time. */
export interface Snapshot {
  readonly time: EpochMs;
  readonly assets: ReadonlyMap<AssetId, AssetView>;
}

export function fieldValue(v: AssetView | undefined, f: ObservationField): number | undefined {
  return v?.fields[f]?.value;
}
