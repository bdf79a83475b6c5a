import type { Observation } from '../domain/observation.js';
import { YEAR } from '../domain/time.js';

/**
 * The physics gate: what one asset can do between two readings. Pure. Range checks (a fraction is a
 * fraction) happen before this; here a reading is judged against the asset's last trusted state and
 * its kind's physics: a fair rate grows by rewards and falls only on a loss, a supply index only grows
 * at a bounded rate, a market price does not leave fair in one reading, an APY does not leave its own
 * history or the APY its rate implies, and never by a factor of 100 (a percent slipped in).
 */

/** What an asset can physically do. Plain numbers, resolved from the registry by the caller. */
export interface PlausibilityBounds {
  /** Highest annual growth of the fair rate (staking plus restaking rewards), compounded over the gap. */
  readonly maxRateApy: number;
  /** Largest fall of the fair rate taken without confirmation (rounding, a tiny negative rebase). */
  readonly maxRateDip: number;
  /** Highest annual growth of a supply index (the reserve's borrow rate bounds what suppliers earn). */
  readonly maxIndexApy: number;
  /** Largest change of the market/fair deviation in one reading before the price is a spike. */
  readonly maxMarketMove: number;
  /** A market discount (or premium) beyond this is not a market, it is a broken quote, until long confirmed. */
  readonly maxMarketDeviation: number;
  /** An APY further than max(apyAbsTolerance, apyRelTolerance × reference) from its reference is suspect. */
  readonly apyAbsTolerance: number;
  readonly apyRelTolerance: number;
  /** Largest factor TVL or exit liquidity may change by between two readings. */
  readonly maxLiquidityFactor: number;
  /**
   * Whether the asset earns through its fair rate (a receipt token), so a reported base APY is judged
   * against the rate's growth; a lending position's APY is its supply rate, judged against its index.
   */
  readonly earnsByRate: boolean;
}

export interface Point {
  readonly value: number;
  readonly time: number;
}

/** The trusted past one reading is judged against. */
export interface TrustedState {
  readonly fair?: Point | undefined;
  /** Market price with its deviation from fair at that time. */
  readonly market?: (Point & { readonly deviation: number }) | undefined;
  readonly index?: Point | undefined;
  readonly tvl?: Point | undefined;
  readonly exitLiquidity?: Point | undefined;
  /** Recent trusted values per reported APY field, oldest first. */
  readonly apys: Readonly<Partial<Record<JudgedApy, readonly number[]>>>;
  /** Fair rate and index samples spaced at least ANCHOR_SPACING apart, for the APY they imply. */
  readonly fairAnchors: readonly Point[];
  readonly indexAnchors: readonly Point[];
}

export const EMPTY_TRUSTED: TrustedState = { apys: {}, fairAnchors: [], indexAnchors: [] };

export const FINDING_CODES = ['fair-rate-jump', 'fair-rate-fall', 'index-fall', 'index-jump', 'market-spike', 'market-implausible', 'apy-unit-error', 'apy-jump', 'apy-mismatch', 'liquidity-jump'] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

/** Moves no asset can make: they need a second source or a long run of consistent readings. */
const IMPOSSIBLE: ReadonlySet<FindingCode> = new Set(['fair-rate-jump', 'index-fall', 'index-jump', 'market-implausible', 'apy-unit-error']);

export interface Finding {
  readonly code: FindingCode;
  readonly field: string;
  readonly value: number;
  readonly reference: number;
  readonly bound: number;
  readonly impossible: boolean;
  readonly message: string;
}

const JUDGED_APYS = ['apyBase', 'apyMev', 'apyRestaking', 'apyIncentives', 'apyLending'] as const;
type JudgedApy = (typeof JUDGED_APYS)[number];

/** Rounding noise on rates and indexes (relative), below anything a decision could feel. */
const RATE_EPS = 1e-5;
const INDEX_EPS = 1e-9;
/** An APY below this is too small for a ratio to mean anything (0.2 %/yr). */
export const APY_FLOOR = 0.002;
/** "A factor near 100": a ratio within ×/÷ this of 100 or 1/100 is a percent/fraction slip. */
const SLIP_BAND = 3;
const APY_HISTORY = 7;
const APY_HISTORY_MIN = 3;
const ANCHOR_SPACING = 6 * 3_600_000;
const ANCHORS_KEPT = 60;
const IMPLIED_MIN_SPAN = 3 * 86_400_000;

const pct = (x: number) => `${(x * 100).toPrecision(4)} %`;
const growthBound = (apy: number, dt: number) => Math.pow(1 + apy, Math.max(dt, 0) / YEAR) - 1;

/**
 * The factor by which `apy` looks slipped against `reference` (100: percent read as fraction, 0.01: a
 * fraction divided by 100 again), or undefined. Used by the gate and at every API edge.
 */
export function apyUnitSlip(apy: number, reference: number): 100 | 0.01 | undefined {
  if (!(reference >= APY_FLOOR) || !(apy > 0)) return undefined;
  const r = apy / reference;
  if (r >= 100 / SLIP_BAND && r <= 100 * SLIP_BAND) return 100;
  if (r <= SLIP_BAND / 100 && r >= 1 / (100 * SLIP_BAND)) return 0.01;
  return undefined;
}

/** Annual growth implied by the trusted samples, or null with less than IMPLIED_MIN_SPAN of them. */
export function impliedApy(anchors: readonly Point[]): number | null {
  const first = anchors[0];
  const last = anchors[anchors.length - 1];
  if (!first || !last || last.time - first.time < IMPLIED_MIN_SPAN || !(first.value > 0)) return null;
  return Math.pow(last.value / first.value, YEAR / (last.time - first.time)) - 1;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Every way `o` is implausible given `s`; empty means it is plausible. */
export function judgeReading(o: Observation, s: TrustedState, b: PlausibilityBounds): Finding[] {
  const out: Finding[] = [];
  const add = (code: FindingCode, field: string, value: number, reference: number, bound: number, message: string) =>
    out.push({ code, field, value, reference, bound, impossible: IMPOSSIBLE.has(code), message: `${o.asset} ${field} ${message}` });
  if (o.fairRate !== undefined && s.fair) {
    const dt = o.time - s.fair.time;
    const g = o.fairRate / s.fair.value - 1;
    const up = growthBound(b.maxRateApy, dt) + RATE_EPS;
    if (g > up) add('fair-rate-jump', 'fairRate', o.fairRate, s.fair.value, up, `rose ${pct(g)} in ${(dt / 3_600_000).toFixed(1)} h: rewards allow at most ${pct(up)} (${pct(b.maxRateApy)}/yr)`);
    else if (-g > b.maxRateDip) add('fair-rate-fall', 'fairRate', o.fairRate, s.fair.value, b.maxRateDip, `fell ${pct(-g)}: a fair rate falls only on a slash or a loss (unconfirmed)`);
  }
  if (o.supplyIndex !== undefined && s.index) {
    const dt = o.time - s.index.time;
    const g = o.supplyIndex / s.index.value - 1;
    const up = growthBound(b.maxIndexApy, dt) + INDEX_EPS;
    if (g < -INDEX_EPS) add('index-fall', 'supplyIndex', o.supplyIndex, s.index.value, 0, `fell ${pct(-g)}: a supply index only grows`);
    else if (g > up) add('index-jump', 'supplyIndex', o.supplyIndex, s.index.value, up, `grew ${pct(g)} in ${(dt / 3_600_000).toFixed(1)} h: the reserve's rate allows at most ${pct(up)} (${pct(b.maxIndexApy)}/yr)`);
  }
  if (o.marketRate !== undefined) {
    const fair = o.fairRate ?? s.fair?.value;
    if (fair !== undefined) {
      const d = o.marketRate / fair - 1;
      const prev = s.market?.deviation ?? 0;
      if (Math.abs(d) > b.maxMarketDeviation) {
        add('market-implausible', 'marketRate', o.marketRate, fair, b.maxMarketDeviation, `is ${pct(d)} from fair ${fair}: beyond the ${pct(b.maxMarketDeviation)} any redeemable token trades at`);
      } else if (Math.abs(d - prev) > b.maxMarketMove && Math.abs(d) > b.maxMarketMove / 2) {
        add('market-spike', 'marketRate', o.marketRate, fair, b.maxMarketMove, `left fair by ${pct(d)} (was ${pct(prev)}) in one reading: a spike until confirmed`);
      }
    }
  }
  for (const f of JUDGED_APYS) {
    const v = o[f];
    if (v === undefined) continue;
    const byIndex = f === 'apyLending' || (f === 'apyBase' && !b.earnsByRate);
    const implied = byIndex ? impliedApy(s.indexAnchors) : f === 'apyBase' ? impliedApy(s.fairAnchors) : null;
    const hist = s.apys[f];
    const med = hist && hist.length >= APY_HISTORY_MIN ? median(hist) : null;
    const ref = implied !== null && implied >= APY_FLOOR ? { value: implied, what: 'the APY its rate implies' } : med !== null ? { value: med, what: 'its recent median' } : null;
    if (!ref) continue;
    const slip = apyUnitSlip(v, ref.value);
    if (slip !== undefined) {
      add('apy-unit-error', f, v, ref.value, slip, `${pct(v)} is ${slip === 100 ? '≈100×' : '≈1/100 of'} ${ref.what} ${pct(ref.value)}: a percent/fraction unit error`);
      continue;
    }
    const tol = (r: number) => Math.max(b.apyAbsTolerance, b.apyRelTolerance * Math.abs(r));
    if (med !== null && Math.abs(v - med) > tol(med)) add('apy-jump', f, v, med, tol(med), `${pct(v)} leaves its recent median ${pct(med)} by more than ${pct(tol(med))}`);
    else if (implied !== null && implied >= APY_FLOOR && Math.abs(v - implied) > tol(implied)) add('apy-mismatch', f, v, implied, tol(implied), `${pct(v)} disagrees with the ${pct(implied)} its rate implies by more than ${pct(tol(implied))}`);
  }
  for (const [f, prev] of [['tvlBase', s.tvl], ['exitLiquidityBase', s.exitLiquidity]] as const) {
    const v = o[f];
    if (v === undefined || !prev || !(prev.value > 0)) continue;
    const factor = v > 0 ? Math.max(v / prev.value, prev.value / v) : Infinity;
    if (factor > b.maxLiquidityFactor) add('liquidity-jump', f, v, prev.value, b.maxLiquidityFactor, `changed ×${factor.toPrecision(3)} in one reading (from ${prev.value}; plausible within ×${b.maxLiquidityFactor})`);
  }
  return out;
}

function pushAnchor(anchors: readonly Point[], p: Point): readonly Point[] {
  const last = anchors[anchors.length - 1];
  if (last && p.time - last.time < ANCHOR_SPACING) return anchors;
  const next = [...anchors, p];
  return next.length > ANCHORS_KEPT ? next.slice(next.length - ANCHORS_KEPT) : next;
}

/** The trusted state after `o` is accepted. */
export function advanceTrusted(s: TrustedState, o: Observation): TrustedState {
  const fair = o.fairRate !== undefined ? { value: o.fairRate, time: o.time } : s.fair;
  const fairNow = fair?.value;
  let apys = s.apys;
  for (const f of JUDGED_APYS) {
    const v = o[f];
    if (v === undefined) continue;
    const h = [...(apys[f] ?? []), v];
    apys = { ...apys, [f]: h.length > APY_HISTORY ? h.slice(h.length - APY_HISTORY) : h };
  }
  return {
    fair,
    market: o.marketRate !== undefined && fairNow !== undefined ? { value: o.marketRate, time: o.time, deviation: o.marketRate / fairNow - 1 } : s.market,
    index: o.supplyIndex !== undefined ? { value: o.supplyIndex, time: o.time } : s.index,
    tvl: o.tvlBase !== undefined ? { value: o.tvlBase, time: o.time } : s.tvl,
    exitLiquidity: o.exitLiquidityBase !== undefined ? { value: o.exitLiquidityBase, time: o.time } : s.exitLiquidity,
    apys,
    fairAnchors: o.fairRate !== undefined ? pushAnchor(s.fairAnchors, { value: o.fairRate, time: o.time }) : s.fairAnchors,
    indexAnchors: o.supplyIndex !== undefined ? pushAnchor(s.indexAnchors, { value: o.supplyIndex, time: o.time }) : s.indexAnchors,
  };
}
