import type { z } from 'zod';
import type { AssetId } from '../domain/asset.js';
import type { AssetScore } from '../domain/score.js';
import type { Universe } from '../config/universe.js';
import type { Snapshot } from '../market/asset-view.js';
import type { AllocationBounds } from '../risk/allocation-bounds.js';
import type { HistoryView } from './history-view.js';
import type { LpSolver } from './lp-solver.js';

/**
 * Everything a strategy may look at. It is handed in whole: a strategy reads no clock, no file and no
 * network, so the same inputs always give the same weights, live or in a backtest.
 */
export interface StrategyInput {
  readonly now: number;
  readonly universe: Universe;
  readonly snapshot: Snapshot;
  readonly scores: ReadonlyMap<AssetId, AssetScore>;
  /** The hard limits of this cycle; the keeper rejects weights outside them. */
  readonly bounds: AllocationBounds;
  /** Current weights over NAV (pending redemptions count as base asset). */
  readonly current: Readonly<Record<AssetId, number>>;
  /** NAV in whole base units, for size-dependent costs. */
  readonly navBase: number;
  readonly horizonYears: number;
  readonly maxSlippage: number;
  readonly solver: LpSolver;
  /** Readings to look back over; use visibleRows(history, now) — rows after now are off limits. */
  readonly history: HistoryView;
}

export interface StrategyDecision {
  /** Target weight per asset over NAV; sums to 1. */
  readonly weights: Readonly<Record<AssetId, number>>;
  /** Plain sentences saying why, journaled with the decision. */
  readonly rationale: readonly string[];
}

export interface Strategy<P = unknown> {
  readonly name: string;
  readonly description: string;
  /** Validates the `strategy.params` of a vault config; defaults live here. */
  readonly params: z.ZodType<P>;
  decide(input: StrategyInput, params: P): StrategyDecision;
}

/** Identity helper that keeps a strategy's params type attached to its schema. */
export function defineStrategy<P>(s: Strategy<P>): Strategy<P> {
  return s;
}
