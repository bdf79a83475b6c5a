import type { Observation } from '../domain/observation.js';
import type { EpochMs } from '../domain/time.js';

/** A source that could not be read this cycle, and why. The keeper fails closed on one that covers a held asset. */
export interface SourceFailure {
  readonly source: string;
  /** Assets this source would have covered; empty if unknown (then it counts against every asset). */
  readonly assets: readonly string[];
  readonly message: string;
}

export interface SourceRead {
  /** Validated readings, in time order. */
  readonly observations: readonly Observation[];
  readonly failures: readonly SourceFailure[];
}

/**
 * The read end of the decision path. Recorded history, on-chain readers, yield APIs and DEX quotes all
 * implement this, so everything downstream is the same code whichever is plugged in.
 */
export interface YieldSource {
  readonly name: string;
  /** Readings taken at or before `now` that this source has not returned before. */
  read(now: EpochMs): Promise<SourceRead>;
}
