import type { AssetId } from '../../domain/asset.js';
import type { EpochMs } from '../../domain/time.js';

/** A stored on-chain rate (Kelp's rsETHPrice) as last read, and since when it has held that value. */
export interface StoredRateState {
  /** Raw wad as read. */
  readonly wad: bigint;
  readonly rate: number;
  /** Time of the first reading that saw this value (an upper bound on when it actually moved). */
  readonly since: EpochMs;
  readonly sinceBlock: number;
  /** Time of the latest reading (still at this value). */
  readonly lastSeen: EpochMs;
  readonly lastSeenBlock: number;
}

/**
 * Remembers, per asset, the last value of a stored rate and when it was first seen at that value. The
 * keeper's trust layer compares `since` with now to flag a rate that has not moved for too long. Held in
 * memory: after a restart the first reading starts the clock again.
 */
export class StoredRateTracker {
  private readonly states = new Map<AssetId, StoredRateState>();

  observe(asset: AssetId, wad: bigint, rate: number, time: EpochMs, block: number): StoredRateState {
    const prev = this.states.get(asset);
    const next: StoredRateState =
      prev && prev.wad === wad
        ? { ...prev, lastSeen: Math.max(prev.lastSeen, time), lastSeenBlock: Math.max(prev.lastSeenBlock, block) }
        : { wad, rate, since: time, sinceBlock: block, lastSeen: time, lastSeenBlock: block };
    this.states.set(asset, next);
    return next;
  }

  get(asset: AssetId): StoredRateState | undefined {
    return this.states.get(asset);
  }
}
