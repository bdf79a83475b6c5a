import type { AssetId } from './asset.js';

/** Expected loss contributed by one layer of an asset's stack. */
export interface LayerLoss {
  readonly layer: string;
  readonly kind: string;
  /** Σ p·s over the layer's failure modes (annual fraction of the position). */
  readonly expectedLoss: number;
  /** 1 − Π(1 − p): chance per year that anything in this layer fails. */
  readonly probability: number;
  readonly modes: ReadonlyArray<{ name: string; annualProbability: number; severity: number }>;
}

export interface YieldBreakdown {
  /** APY implied by the fair exchange rate's trailing growth (the way an LST/LRT really earns). */
  readonly rateGrowth: number | null;
  /** Reported components, when a source gives them. */
  readonly base: number | null;
  readonly mev: number | null;
  readonly restaking: number | null;
  readonly incentives: number | null;
  readonly lending: number | null;
  /** What the score uses: rate growth (or reported base+mev+restaking) + haircut incentives + lending. */
  readonly total: number;
  readonly note: string;
}

/** Everything the keeper concluded about one asset at one time, kept whole so the journal can say why. */
export interface AssetScore {
  readonly asset: AssetId;
  readonly eligible: boolean;
  /** Why not eligible (or what to watch), in plain words. */
  readonly reasons: readonly string[];
  readonly yield: YieldBreakdown;
  readonly expectedLoss: number;
  readonly lossProbability: number;
  readonly layers: readonly LayerLoss[];
  /** Market vs fair: market/fair − 1 (negative = discount). Null when no market price is recorded. */
  readonly depeg: number | null;
  /** Cost fraction to enter at the target size through the cheapest route. */
  readonly entryCost: number;
  /** Cost fraction to exit instantly at the current/target size, and the cheapest route's delay. */
  readonly exitCost: number;
  readonly exitDelaySeconds: number;
  readonly exitRoute: string;
  readonly tvlBase: number | null;
  /** Risk-adjusted yield: expected yield − expected loss − amortized round-trip cost. */
  readonly score: number;
}
