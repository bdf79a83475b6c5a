import type { AssetId } from '../domain/asset.js';
import { parseDuration, formatTime, YEAR } from '../domain/time.js';
import type { Breakers, Limits, PlannerConfig, TrustConfig } from '../config/vault-schema.js';
import type { Universe } from '../config/universe.js';
import type { Snapshot } from '../market/asset-view.js';
import type { Valuation } from '../market/valuation.js';
import type { BreakerFiring } from './breakers.js';
import { nextEpisode, type Bands, type DepegMemory, type DepegEpisode } from './depeg-episodes.js';
import { decideDepeg, type DepegDecision } from './depeg-response.js';
import { depegSignals } from './depeg-signals.js';

export interface DepegSettings {
  readonly breakers: Breakers;
  readonly limits: Pick<Limits, 'maxExitCost' | 'maxRedemptionDelay'>;
  readonly planner: Pick<PlannerConfig, 'horizon'>;
  readonly trust: Pick<TrustConfig, 'maxRateStillness'>;
}

export interface DepegOutcome {
  readonly firings: readonly BreakerFiring[];
  readonly memory: DepegMemory;
  /** The route a held asset leaves by, when the response decided it leaves. */
  readonly exitRoute: ReadonlyMap<AssetId, 'redeem' | 'sell'>;
  /** Assets in an episode: any voluntary exit goes through the queue at fair, never a sale at a discount. */
  readonly noMarketSale: ReadonlySet<AssetId>;
  readonly decisions: ReadonlyMap<AssetId, DepegDecision>;
}

export function depegBands(b: Breakers): Bands {
  const enter = b.depeg.maxDiscount;
  return { enter, exit: Math.min(enter, b.depeg.exitBand ?? enter / 2), minDwellMs: parseDuration(b.depeg.minDwell) };
}

/**
 * Runs every non-native universe asset through the depeg episode state and, for held assets under
 * pressure (discount at or past the enter band, or impairment), the depeg response. Assets in an
 * episode are closed to new money until it ends; held ones hold, queue or sell as decided.
 */
export function respondToDepegs(u: Universe, snap: Snapshot, valuation: Valuation, held: ReadonlySet<AssetId>, memory: DepegMemory, s: DepegSettings, now: number): DepegOutcome {
  const bands = depegBands(s.breakers);
  const lim = {
    fairRateDropTolerance: s.breakers.fairRateDrop.tolerance,
    staleMaxAgeMs: parseDuration(s.breakers.staleData.maxAge),
    maxRateStillnessMs: parseDuration(s.trust.maxRateStillness),
  };
  const configured = s.breakers.depeg.action;
  const firings: BreakerFiring[] = [];
  const next = new Map<AssetId, DepegEpisode>();
  const exitRoute = new Map<AssetId, 'redeem' | 'sell'>();
  const noMarketSale = new Set<AssetId>();
  const decisions = new Map<AssetId, DepegDecision>();
  const scale = 10 ** u.baseDecimals;
  for (const a of u.assets) {
    const sig = depegSignals(u, snap, a, lim);
    if (!sig) continue;
    const ep = nextEpisode(memory.get(a.id), sig.discount, sig.impairment.length > 0, now, bands);
    if (!ep) continue;
    next.set(a.id, ep);
    noMarketSale.add(a.id);
    const isHeld = held.has(a.id);
    const pressure = sig.impairment.length > 0 || sig.discount >= bands.enter;
    const data = { kind: ep.kind, since: formatTime(ep.since), discount: sig.discount, fair: sig.fair, market: sig.market, fairFall: sig.fairFall, fairTrendApy: sig.fairTrendApy, impairment: sig.impairment, enterBand: bands.enter, exitBand: bands.exit };
    const head = `${a.id} ${ep.kind} episode since ${formatTime(ep.since)}`;
    if (!isHeld || !pressure || configured !== 'derisk') {
      const why = !pressure ? `discount ${(sig.discount * 100).toFixed(3)} % back under the enter band; new money waits out the dwell (exit band ${(bands.exit * 100).toFixed(3)} %, ${s.breakers.depeg.minDwell})` : `discount ${(sig.discount * 100).toFixed(3)} %${sig.impairment.length ? `, ${sig.impairment.join('; ')}` : ''}`;
      const action = isHeld && pressure && configured === 'halt' ? 'halt' : 'exclude';
      firings.push({ breaker: 'depeg', action, asset: a.id, held: isHeld, message: `${head}: ${why}; no new money`, data });
      continue;
    }
    const value = Number(valuation.values.get(a.id) ?? 0n) / scale;
    const dec = decideDepeg({
      universe: u,
      snapshot: snap,
      asset: a,
      signals: sig,
      kind: ep.kind,
      sizeBase: value,
      horizonYears: parseDuration(s.planner.horizon) / YEAR,
      maxExitCost: s.limits.maxExitCost,
      maxRedemptionDelaySeconds: parseDuration(s.limits.maxRedemptionDelay) / 1000,
    });
    decisions.set(a.id, dec);
    if (dec.action !== 'hold') exitRoute.set(a.id, dec.action);
    firings.push({ breaker: 'depeg', action: dec.action === 'hold' ? 'exclude' : 'derisk', asset: a.id, held: true, message: `${head}: ${dec.why}`, data: { ...data, decision: dec.action, ...dec.numbers } });
  }
  return { firings, memory: next, exitRoute, noMarketSale, decisions };
}
