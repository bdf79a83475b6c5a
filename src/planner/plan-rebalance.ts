import type { AssetId } from '../domain/asset.js';
import type { ActionKind, PlannedAction } from '../domain/action.js';
import { mulFraction } from '../domain/amount.js';
import { convert } from '../market/route-math.js';
import { holding, type Portfolio } from '../domain/portfolio.js';
import type { AssetScore } from '../domain/score.js';
import { parseDuration } from '../domain/time.js';
import type { PlannerConfig } from '../config/vault-schema.js';
import { suppliedToken, type AssetInfo, type Universe } from '../config/universe.js';
import type { Snapshot } from '../market/asset-view.js';
import { cheapest, entryQuotes, exitQuotes, type Quote } from '../market/cost-model.js';
import { fairRate, valueAt, type Valuation } from '../market/valuation.js';

export interface PlanInput {
  readonly universe: Universe;
  readonly snapshot: Snapshot;
  readonly portfolio: Portfolio;
  readonly valuation: Valuation;
  readonly targets: Readonly<Record<AssetId, number>>;
  readonly config: PlannerConfig;
  readonly maxRedemptionDelay: string;
  readonly scores: ReadonlyMap<AssetId, AssetScore>;
  /** Assets a breaker ordered out: exited whatever the dead band says. */
  readonly forceExit: ReadonlySet<AssetId>;
  /** The route a forced exit must take (the depeg response's choice); the cheapest otherwise. */
  readonly exitRoute?: ReadonlyMap<AssetId, 'redeem' | 'sell'> | undefined;
  /** Assets in a depeg episode: a voluntary exit may only go through the queue at fair. */
  readonly noMarketSale?: ReadonlySet<AssetId> | undefined;
  readonly now: number;
}

export interface Plan {
  readonly actions: readonly PlannedAction[];
  /** Legs considered and not taken, and why (dead band, minimum size, no route, no cash). */
  readonly skipped: readonly string[];
}

/** What a gas-paying leg costs in base units. */
export function gasCost(u: Universe, gasUnits: number): bigint {
  return BigInt(gasUnits) * u.gasPrice;
}

/** Minimum fraction kept against the model on a fixed-rate protocol leg: rounding only. */
const PROTOCOL_TOLERANCE = 1e-6;

function leg(
  u: Universe,
  seq: number,
  kind: ActionKind,
  from: AssetInfo,
  to: AssetInfo,
  amountIn: bigint,
  q: Quote,
  fairIn: number,
  maxSlippage: number,
  reason: string,
): PlannedAction {
  // Value handed in at the fair rate, and what comes back, both in base units.
  const inValueFair = from.kind === 'native' ? amountIn : valueAt(u, from.id, amountIn, fairIn);
  const expectedOut = convert(u, from, to, amountIn, q);
  const outValueFair = to.id === u.baseAsset ? expectedOut : from.id === u.baseAsset ? valueAt(u, to.id, expectedOut, fairIn === 1 ? q.price : fairIn) : mulFraction(inValueFair, q.keep);
  const slip = kind === 'buy' || kind === 'sell' ? maxSlippage : PROTOCOL_TOLERANCE;
  const gas = gasCost(u, q.gasUnits);
  const lost = inValueFair > outValueFair ? inValueFair - outValueFair : 0n;
  return {
    seq,
    kind,
    from: from.id,
    to: to.id,
    amountIn,
    expectedOut,
    minOut: expectedOut - mulFraction(expectedOut, slip),
    venue: q.venue,
    estCostBase: lost + gas,
    delaySeconds: q.delaySeconds,
    reason,
  };
}

/**
 * Turns target weights into ordered actions: claims of matured redemptions, then exits, then entries
 * funded by the cash actually available. Pure: the same input gives the same plan, and planning again
 * from the plan's own result gives no actions (the dead band and minimum size absorb cost drift).
 */
export function planRebalance(i: PlanInput): Plan {
  const u = i.universe;
  const base = u.registryAssets.get(u.baseAsset) as AssetInfo;
  const actions: PlannedAction[] = [];
  const skipped: string[] = [];
  let seq = 0;
  const nav = i.valuation.nav;
  const navNum = Number(nav);
  const minTrade = BigInt(i.config.minTradeBase);
  const maxDelay = parseDuration(i.maxRedemptionDelay) / 1000;
  const maxSlippage = i.config.maxSlippage;
  const baseScale = 10 ** u.baseDecimals;
  let cash = holding(i.portfolio, u.baseAsset);

  for (const r of i.portfolio.pending) {
    if (r.claimableAt > i.now) continue;
    const a = u.registryAssets.get(r.asset);
    const gas = gasCost(u, a?.exit.redeem?.gasUnits ?? 0);
    actions.push({ seq: seq++, kind: 'redeem-claim', from: r.asset, to: u.baseAsset, amountIn: r.expectedBase, expectedOut: r.expectedBase, minOut: r.expectedBase, venue: `${a?.groups.protocol ?? r.asset}:claim`, estCostBase: gas, delaySeconds: 0, redemptionId: r.id, reason: `redemption ${r.id} matured` });
    cash += r.expectedBase - gas;
  }
  if (nav <= 0n) return { actions, skipped };

  const held = new Set<AssetId>([...i.portfolio.holdings.keys()].filter((id) => id !== u.baseAsset));
  const ids = [...new Set([...u.assets.map((a) => a.id).filter((id) => id !== u.baseAsset), ...held])];
  const exits: Array<{ a: AssetInfo; tokens: bigint; full: boolean }> = [];
  const entries: Array<{ a: AssetInfo; want: bigint }> = [];
  for (const id of ids) {
    const a = u.registryAssets.get(id);
    if (!a) continue;
    const value = i.valuation.values.get(id) ?? 0n;
    // A breaker-forced asset is only ever exited, whatever a target says.
    const target = i.forceExit.has(id) ? 0 : (i.targets[id] ?? 0);
    const targetValue = BigInt(Math.floor(target * navNum));
    const diff = targetValue - value;
    const drift = Math.abs(Number(diff)) / navNum;
    const forced = i.forceExit.has(id) && value > 0n;
    if (diff < 0n) {
      const full = target <= 1e-9 || forced;
      const amount = full ? value : -diff;
      if (!forced && drift < i.config.deadBand) {
        if (drift > 0) skipped.push(`${id}: ${(drift * 100).toFixed(3)} % off target, inside the dead band`);
        continue;
      }
      if (!forced && amount < minTrade) {
        skipped.push(`${id}: exit of ${Number(amount) / baseScale} below the minimum trade`);
        continue;
      }
      const tokens = holding(i.portfolio, id);
      const part = full ? tokens : (tokens * amount) / (value > 0n ? value : 1n);
      if (part > 0n) exits.push({ a, tokens: part, full });
    } else if (diff > 0n) {
      if (drift < i.config.deadBand) {
        if (drift > 0) skipped.push(`${id}: ${(drift * 100).toFixed(3)} % off target, inside the dead band`);
        continue;
      }
      entries.push({ a, want: diff });
    }
  }

  const yieldOf = (id: AssetId) => i.scores.get(id)?.yield.total ?? 0;
  for (const { a, tokens, full } of exits) {
    let from = a;
    let amount = tokens;
    const why = i.forceExit.has(a.id) ? 'breaker: forced exit' : full ? 'target is zero' : 'above target';
    for (let hop = 0; hop < 3 && from.id !== u.baseAsset && amount > 0n; hop++) {
      const fair = fairRate(u, i.snapshot, from.id);
      if (fair === undefined) {
        skipped.push(`${from.id}: cannot exit, no fair rate to price it`);
        break;
      }
      const size = Number(valueAt(u, from.id, amount, fair)) / baseScale;
      const allowed = allowedExits(i, a.id);
      const quotes = exitQuotes(u, i.snapshot, from, size).filter((q) => q.kind === 'withdraw' || allowed.has(q.kind));
      const choice = cheapest(u, quotes, size, { maxDelaySeconds: maxDelay, maxSlippage, yieldApy: yieldOf(a.id) });
      if (!choice) {
        const only = allowed.size < 2 ? ` by ${[...allowed].join('/')} (depeg response)` : '';
        skipped.push(`${from.id}: no exit route${only} within ${i.maxRedemptionDelay} and ${(maxSlippage * 100).toFixed(2)} % slippage at size ${size.toFixed(4)}`);
        break;
      }
      const q = choice.quote;
      const to = (q.kind === 'withdraw' ? suppliedToken(u, from) : undefined) ?? base;
      const act = leg(u, seq++, q.kind, from, to, amount, q, fair, maxSlippage, `${why} (${a.id})`);
      actions.push(act);
      cash -= gasCost(u, q.gasUnits);
      // A redemption request pays into the queue, not into cash, even with no delay: it is claimed later.
      if (to.id === u.baseAsset && q.kind !== 'redeem-request') cash += act.expectedOut;
      from = to;
      amount = act.expectedOut;
      if (q.kind === 'redeem-request') break;
    }
  }

  // Entries: paid from cash on hand now; scaled down together when cash is short.
  const routes = entries.map(({ a, want }) => ({ a, want, path: entryPath(u, i.snapshot, a, Number(want) / baseScale, maxDelay, maxSlippage) }));
  const gasAll = routes.reduce((s, r) => s + (r.path ? r.path.reduce((g, q) => g + gasCost(u, q.gasUnits), 0n) : 0n), 0n);
  const wanted = routes.reduce((s, r) => s + (r.path ? r.want : 0n), 0n);
  const budget = cash - gasAll - BigInt(i.config.gasReserveBase);
  for (const r of routes) {
    if (!r.path) {
      skipped.push(`${r.a.id}: no entry route within the slippage bound`);
      continue;
    }
    const spend = budget <= 0n ? 0n : budget >= wanted ? r.want : (r.want * budget) / wanted;
    const gas = r.path.reduce((g, q) => g + gasCost(u, q.gasUnits), 0n);
    if (spend < minTrade || spend <= 10n * gas || spend <= 0n) {
      // Name the real cause: short of cash (often because it waits in a redemption queue), or just too small.
      const queued = i.portfolio.pending.filter((p) => p.claimableAt > i.now).reduce((q, p) => q + p.expectedBase, 0n) + actions.filter((x) => x.kind === 'redeem-request').reduce((q, x) => q + x.expectedOut, 0n);
      const short = budget < wanted ? ` — not enough cash: ${Number(budget > 0n ? budget : 0n) / baseScale} ${u.baseAsset} free for ${Number(wanted) / baseScale} wanted${queued > 0n ? `; ${Number(queued) / baseScale} ${u.baseAsset} is waiting in redemption queues` : ''}` : '';
      skipped.push(`${r.a.id}: entry of ${Number(spend) / baseScale} (wanted ${Number(r.want) / baseScale}) below the minimum trade or its gas${short}`);
      continue;
    }
    // Price the legs at the size actually spent, so each leg's expected output is what it will fill at.
    const path = spend === r.want ? r.path : entryPath(u, i.snapshot, r.a, Number(spend) / baseScale, maxDelay, maxSlippage);
    if (!path) {
      skipped.push(`${r.a.id}: no entry route at ${Number(spend) / baseScale}`);
      continue;
    }
    let from = base;
    let amount = spend;
    for (const q of path) {
      const to = q.kind === 'supply' ? r.a : suppliedToken(u, r.a) ?? r.a;
      const fair = fairRate(u, i.snapshot, to.id) ?? q.price;
      const act = leg(u, seq++, q.kind, from, to, amount, q, from.id === u.baseAsset ? fair : (fairRate(u, i.snapshot, from.id) ?? 1), maxSlippage, `below target (${r.a.id})`);
      actions.push(act);
      from = to;
      amount = act.expectedOut;
    }
  }
  return { actions, skipped };
}

const ANY_EXIT: ReadonlySet<ActionKind> = new Set<ActionKind>(['redeem-request', 'sell']);
const QUEUE_ONLY: ReadonlySet<ActionKind> = new Set<ActionKind>(['redeem-request']);
const SELL_ONLY: ReadonlySet<ActionKind> = new Set<ActionKind>(['sell']);

/** Exit kinds open to `id`: the depeg response's route for a forced exit, the queue only in an episode. */
function allowedExits(i: PlanInput, id: AssetId): ReadonlySet<ActionKind> {
  const route = i.forceExit.has(id) ? i.exitRoute?.get(id) : undefined;
  if (route === 'redeem') return QUEUE_ONLY;
  if (route === 'sell') return SELL_ONLY;
  if (!i.forceExit.has(id) && i.noMarketSale?.has(id)) return QUEUE_ONLY;
  return ANY_EXIT;
}

/** Quotes along the cheapest path from the base asset into `a` (token first, then supply for lending). */
function entryPath(u: Universe, snap: Snapshot, a: AssetInfo, sizeBase: number, maxDelay: number, maxSlippage: number): Quote[] | undefined {
  const opts = { maxDelaySeconds: maxDelay, maxSlippage, yieldApy: 0 };
  const own = cheapest(u, entryQuotes(u, snap, a, sizeBase), sizeBase, opts);
  if (!own) return undefined;
  const token = suppliedToken(u, a);
  if (!token) return [own.quote];
  const first = entryPath(u, snap, token, sizeBase, maxDelay, maxSlippage);
  return first ? [...first, own.quote] : undefined;
}
