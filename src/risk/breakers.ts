import type { AssetId } from '../domain/asset.js';
import { parseDuration } from '../domain/time.js';
import type { BreakerAction, Breakers } from '../config/vault-schema.js';
import type { AssetInfo, Universe } from '../config/universe.js';
import type { Snapshot } from '../market/asset-view.js';
import { fairRate, type Valuation } from '../market/valuation.js';
import type { DepegOutcome } from './depeg-breaker.js';

export const BREAKER_NAMES = ['staleData', 'depeg', 'fairRateDrop', 'missingData', 'drawdown'] as const;
export type BreakerName = (typeof BREAKER_NAMES)[number];

export interface BreakerFiring {
  readonly breaker: BreakerName;
  readonly action: BreakerAction;
  /** Absent for vault-wide breakers (drawdown). */
  readonly asset?: AssetId | undefined;
  readonly held: boolean;
  readonly message: string;
  readonly data: Record<string, unknown>;
}

export interface BreakerInput {
  readonly universe: Universe;
  readonly snapshot: Snapshot;
  readonly valuation: Valuation;
  readonly held: ReadonlySet<AssetId>;
  /** Highest NAV the vault has had, in base units. */
  readonly peakNav: bigint;
  readonly config: Breakers;
  readonly now: number;
}

/** The time of the fair rate an asset is valued by (a lending position's comes from its supplied token). */
function fairRateTime(u: Universe, snap: Snapshot, a: AssetInfo): number | undefined {
  const own = snap.assets.get(a.id)?.fields.fairRate?.time;
  if (own !== undefined) return own;
  if (a.kind === 'lending' && a.lendingOf) {
    const token = u.registryAssets.get(a.lendingOf);
    if (token?.kind === 'native') return snap.assets.get(a.id)?.fields.apyLending?.time;
    return token ? fairRateTime(u, snap, token) : undefined;
  }
  return undefined;
}

/**
 * Checks run before any strategy. A breaker on an asset the vault holds takes its configured action;
 * on an asset it does not hold, the only sane action is to keep new money out, so it is an exclusion.
 */
export function evaluateBreakers(input: BreakerInput): BreakerFiring[] {
  const { universe: u, snapshot: snap, config: c, now } = input;
  const out: BreakerFiring[] = [];
  const maxAge = parseDuration(c.staleData.maxAge);
  const act = (held: boolean, configured: BreakerAction): BreakerAction => (held ? configured : 'exclude');
  for (const a of u.assets) {
    if (a.kind === 'native') continue;
    const held = input.held.has(a.id);
    const fair = fairRate(u, snap, a.id);
    if (fair === undefined) {
      if (held) out.push({ breaker: 'missingData', action: c.missingData.action, asset: a.id, held, message: `${a.id} is held but has no fair exchange rate: it cannot be valued`, data: {} });
      continue;
    }
    const t = fairRateTime(u, snap, a);
    if (t !== undefined && now - t > maxAge) {
      const hours = (now - t) / 3_600_000;
      out.push({ breaker: 'staleData', action: act(held, c.staleData.action), asset: a.id, held, message: `${a.id} fair rate is ${hours.toFixed(1)} h old (limit ${c.staleData.maxAge})`, data: { ageHours: hours, lastReading: new Date(t).toISOString() } });
      continue;
    }
    // A discount to fair is not a reflex here: src/risk/depeg-breaker.ts decides it (episodes, hold/queue/sell).
    const view = snap.assets.get(a.kind === 'lending' && a.lendingOf ? a.lendingOf : a.id);
    const peak = view?.fairRatePeak ?? null;
    const latest = view?.fields.fairRate?.value;
    if (peak !== null && latest !== undefined && latest < peak * (1 - c.fairRateDrop.tolerance)) {
      const fall = 1 - latest / peak;
      out.push({ breaker: 'fairRateDrop', action: act(held, c.fairRateDrop.action), asset: a.id, held, message: `${a.id} fair rate fell ${(fall * 100).toFixed(3)} % from its recent peak (a slash or a loss; tolerance ${(c.fairRateDrop.tolerance * 100).toFixed(3)} %)`, data: { peak, latest, fall } });
    }
  }
  for (const id of input.valuation.unpriced) {
    if (!u.byId.has(id)) out.push({ breaker: 'missingData', action: c.missingData.action, asset: id, held: true, message: `${id} is held but outside the universe and has no price`, data: {} });
  }
  const { nav } = input.valuation;
  if (input.peakNav > 0n && nav < input.peakNav) {
    const dd = Number(input.peakNav - nav) / Number(input.peakNav);
    if (dd > c.drawdown.maxDrawdown) {
      out.push({ breaker: 'drawdown', action: c.drawdown.action, held: true, message: `NAV is ${(dd * 100).toFixed(2)} % below its peak (bound ${(c.drawdown.maxDrawdown * 100).toFixed(2)} %)`, data: { drawdown: dd, peakNav: input.peakNav.toString(), nav: nav.toString() } });
    }
  }
  return out;
}

/** What the firings mean for this cycle. */
export interface BreakerEffect {
  readonly halt: boolean;
  /** Assets to exit entirely. */
  readonly forceExit: ReadonlySet<AssetId>;
  /** Assets closed to new money, with the reason. */
  readonly excluded: ReadonlyMap<AssetId, string>;
  /** The route a forced exit takes, where the depeg response chose one. */
  readonly exitRoute: ReadonlyMap<AssetId, 'redeem' | 'sell'>;
  /** Assets in a depeg episode: a voluntary exit goes through the queue at fair, never a discounted sale. */
  readonly noMarketSale: ReadonlySet<AssetId>;
}

/**
 * Maps firings to one effect. Where the depeg response decided a held asset's fate (impairment: a
 * falling or stale rate), a derisk from another breaker on it follows that decision: its route, or
 * holding when the response found staying cheaper than any exit.
 */
export function breakerEffect(u: Universe, firings: readonly BreakerFiring[], depeg?: DepegOutcome): BreakerEffect {
  let halt = false;
  const forceExit = new Set<AssetId>();
  const excluded = new Map<AssetId, string>();
  for (const f of firings) {
    const targets = f.asset ? [f.asset] : u.assets.filter((a) => a.kind !== 'native').map((a) => a.id);
    if (f.action === 'halt') halt = true;
    for (const id of targets) {
      if (!excluded.has(id)) excluded.set(id, f.message);
      const decided = f.asset !== undefined ? depeg?.decisions.get(id) : undefined;
      if (f.action === 'derisk' && decided?.action !== 'hold') forceExit.add(id);
    }
  }
  return { halt, forceExit, excluded, exitRoute: depeg?.exitRoute ?? new Map(), noMarketSale: depeg?.noMarketSale ?? new Set() };
}
