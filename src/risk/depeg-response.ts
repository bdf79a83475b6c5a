import type { AssetInfo, Universe } from '../config/universe.js';
import type { Snapshot } from '../market/asset-view.js';
import { exitQuotes } from '../market/cost-model.js';
import { stackLoss } from './layer-loss.js';
import type { EpisodeKind } from './depeg-episodes.js';
import { pegToken, type DepegSignals } from './depeg-signals.js';

/**
 * A depeg is a decision, not a reflex. Every number it weighs is in the result, so the journal can say
 * why the keeper held, queued or sold.
 *
 * - Liquidity (fair rate intact): new money is frozen. The position leaves through the protocol queue
 *   at fair when the queue costs less than the discount and less than the expected loss of holding; it
 *   is sold at market only when the expected loss of holding exceeds the certain loss of selling, and
 *   never above `maxExitCost` (which counts the discount to fair).
 * - Impairment (fair rate falling, stale or stuck): the position exits, through the queue at fair when
 *   that costs no more than selling, else through the market when staying costs more than the sale,
 *   even above `maxExitCost`, and it says so.
 *
 * Expected loss of holding, liquidity case: the layer priors' annual expected loss EL scaled by what the
 * discount implies, m = 1 + d / EL (the discount read as an extra year's loss rate on top of the
 * priors), over the planner horizon. Impairment case: the priors' mean severity given a failure
 * (Σ p·s / P(any)), or the discount if the market expects more. A stuck or stale rate makes the queue's
 * payout unknowable, so that queue is not used.
 */
export type DepegAction = 'hold' | 'redeem' | 'sell';

export interface DepegNumbers {
  readonly discount: number;
  readonly fairFall: number;
  readonly fairTrendApy: number | null;
  readonly priorExpectedLoss: number;
  /** m: how much the discount scales the priors' loss rate. */
  readonly discountScale: number;
  readonly expectedLossHolding: number;
  readonly queueDelayDays: number | null;
  readonly queueCost: number | null;
  readonly sellCost: number | null;
  readonly maxExitCost: number;
}

export interface DepegDecision {
  readonly kind: EpisodeKind;
  readonly action: DepegAction;
  /** One sentence with the numbers, for the journal. */
  readonly why: string;
  readonly numbers: DepegNumbers;
}

export interface ResponseInput {
  readonly universe: Universe;
  readonly snapshot: Snapshot;
  readonly asset: AssetInfo;
  readonly signals: DepegSignals;
  readonly kind: EpisodeKind;
  /** Position value in whole base units (sizes the DEX impact and gas share). */
  readonly sizeBase: number;
  readonly horizonYears: number;
  readonly maxExitCost: number;
  readonly maxRedemptionDelaySeconds: number;
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(3)} %`);
const YEAR_S = 365 * 86_400;

function gasShare(u: Universe, gasUnits: number, sizeBase: number): number {
  return sizeBase > 0 ? Number(BigInt(gasUnits) * u.gasPrice) / 10 ** u.baseDecimals / sizeBase : 0;
}

export function decideDepeg(i: ResponseInput): DepegDecision {
  const u = i.universe;
  const s = i.signals;
  const d = Math.max(0, s.discount);
  const stack = stackLoss(u, i.asset);
  const el = stack.expectedLoss;
  const m = 1 + d / Math.max(el, 1e-6);
  const token = pegToken(u, i.asset);
  const quotes = exitQuotes(u, i.snapshot, token, i.sizeBase);
  const redeem = quotes.find((q) => q.kind === 'redeem-request');
  const sell = quotes.find((q) => q.kind === 'sell' && q.available);
  const y = Math.max(0, s.fairTrendApy ?? 0);
  const queueUsable = redeem !== undefined && redeem.delaySeconds <= i.maxRedemptionDelaySeconds && !s.impairment.some((r) => r.includes('oracle') || r.includes('nobody updates'));
  const D = redeem ? redeem.delaySeconds / YEAR_S : 0;
  const forgone = redeem && !redeem.earnsWhileQueued ? y * D : 0;
  const sellCost = sell ? sell.costFraction + gasShare(u, sell.gasUnits, i.sizeBase) : null;
  let elHold: number;
  let queueCost: number | null;
  if (i.kind === 'liquidity') {
    elHold = el * m * i.horizonYears;
    queueCost = redeem ? redeem.costFraction + forgone + el * m * D + gasShare(u, redeem.gasUnits, i.sizeBase) : null;
  } else {
    const meanSeverity = stack.probability > 0 ? el / stack.probability : 0;
    elHold = Math.max(meanSeverity, d);
    // Waiting in the queue bears the staying loss for the share of the horizon spent waiting.
    queueCost = redeem ? redeem.costFraction + forgone + elHold * Math.min(1, D / Math.max(i.horizonYears, 1e-9)) + gasShare(u, redeem.gasUnits, i.sizeBase) : null;
  }
  const numbers: DepegNumbers = {
    discount: s.discount,
    fairFall: s.fairFall,
    fairTrendApy: s.fairTrendApy,
    priorExpectedLoss: el,
    discountScale: m,
    expectedLossHolding: elHold,
    queueDelayDays: redeem ? redeem.delaySeconds / 86_400 : null,
    queueCost: queueUsable ? queueCost : null,
    sellCost,
    maxExitCost: i.maxExitCost,
  };
  const facts = `discount ${pct(d)}, fair rate ${s.fairFall > 0 ? `${pct(s.fairFall)} below peak` : 'intact'} (trend ${pct(s.fairTrendApy)}/yr), expected loss holding ${pct(elHold)}${i.kind === 'liquidity' ? ` (priors ${pct(el)}/yr × ${m.toFixed(2)} over the horizon)` : ' (mean severity given a failure, or the discount)'}, queue ${redeem ? `${numbers.queueDelayDays?.toFixed(1)} d costing ${pct(queueCost)}${queueUsable ? '' : ' (not usable)'}` : 'none'}, sale ${pct(sellCost)} (max exit cost ${pct(i.maxExitCost)})`;
  const cause = s.impairment.length ? ` (${s.impairment.join('; ')})` : '';
  const out = (action: DepegAction, why: string): DepegDecision => ({ kind: i.kind, action, why: `${i.kind}${cause}: ${why}; ${facts}`, numbers });
  const qc = queueUsable ? (queueCost as number) : Infinity;
  const sc = sellCost ?? Infinity;
  if (i.kind === 'liquidity') {
    if (qc < d && qc < elHold) return out('redeem', 'redeem through the queue at fair: it costs less than the discount and than holding');
    if (sc < elHold) {
      if (sc <= i.maxExitCost) return out('sell', 'sell: the expected loss of holding exceeds the certain loss of selling');
      return out('hold', 'hold: selling would beat holding but costs more than maxExitCost, and only impairment justifies that');
    }
    return out('hold', 'hold and freeze new money: selling now would crystallize more than holding is expected to lose');
  }
  if (qc <= sc && qc < Infinity) return out('redeem', 'exit through the queue at fair: cheaper than selling');
  if (sc < elHold) return out('sell', sc > i.maxExitCost ? `forced sale above maxExitCost (${pct(sc)} > ${pct(i.maxExitCost)}) because the asset is impaired` : 'sell: staying is expected to lose more than the sale');
  if (qc < Infinity) return out('redeem', 'exit through the queue: selling costs more than staying');
  return out('hold', 'hold: no queue, and staying is expected to lose less than selling');
}
