import type { AssetId } from '../domain/asset.js';
import type { Observation } from '../domain/observation.js';
import type { EpochMs } from '../domain/time.js';
import type { Snapshot } from './asset-view.js';
import { MarketState } from './market-state.js';
import type { PlausibilityBounds } from './plausibility.js';
import { ReadingGate, type GateVerdict, type QuarantineInfo, type QuarantinePolicy } from './quarantine.js';

/**
 * The market view every mode decides on: readings pass the physics gate first and only trusted ones
 * reach the fold, so valuation, breakers, scores and strategies never see a quarantined number. The
 * backtest, paper and live keepers all build exactly this.
 */
export class TrustedMarket {
  readonly market: MarketState;
  private readonly gate: ReadingGate;

  constructor(market: MarketState, boundsOf: (asset: AssetId) => PlausibilityBounds, policy: QuarantinePolicy) {
    this.market = market;
    this.gate = new ReadingGate(boundsOf, policy);
  }

  /** Gates one reading and folds in whatever became trusted; returns the gate's verdicts (none for a plain accept). */
  ingest(o: Observation): readonly GateVerdict[] {
    const r = this.gate.admit(o);
    for (const a of r.accepted) this.market.ingest(a);
    return r.verdicts;
  }

  ingestAll(obs: Iterable<Observation>): GateVerdict[] {
    const out: GateVerdict[] = [];
    for (const o of obs) {
      const v = this.ingest(o);
      if (v.length) out.push(...v);
    }
    return out;
  }

  view(now: EpochMs): Snapshot {
    return this.market.view(now);
  }

  quarantined(): ReadonlyMap<AssetId, QuarantineInfo> {
    return this.gate.quarantined();
  }
}
