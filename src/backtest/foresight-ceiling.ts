import type { AssetId } from '../domain/asset.js';
import type { Observation } from '../domain/observation.js';
import { YEAR } from '../domain/time.js';
import type { LoadedVault } from '../config/load-vault.js';
import type { LpConstraint, LpSolver, LpVariable } from '../strategy/lp-solver.js';
import { ceilingPath, SLICES, type CeilingPath } from './ceiling-path.js';

export interface CeilingStep {
  readonly t: number;
  /** NAV relative to the start (1 at the first step). */
  readonly nav: number;
  readonly weights: Readonly<Record<AssetId, number>>;
}

export interface CeilingResult {
  readonly steps: readonly CeilingStep[];
  readonly netApy: number;
  /** Size and time of the LP, for the report and the benchmark. */
  readonly variables: number;
  readonly constraints: number;
  readonly solveMs: number;
}

/** Which of the vault's limits the ceiling is held to (all of them unless a comparison relaxes one). */
export interface CeilingLimits {
  readonly assetCaps: boolean;
  readonly groupCaps: boolean;
  readonly expectedLoss: boolean;
  readonly liquidity: boolean;
}

export const ALL_LIMITS: CeilingLimits = { assetCaps: true, groupCaps: true, expectedLoss: true, liquidity: true };

/**
 * The best any keeper could have done over the whole path, with perfect foresight, under the vault's
 * limits and its cost model: one LP over every decision step with holdings, buys, instant sales and
 * queue redemptions as variables. Holdings grow by each asset's realized unit value (marked to market);
 * a buy keeps the cheapest entry's value against the mark (fees, the mint's distance from market), a
 * sale the best instant exit's, a redemption pays its fair value after the queue's delay and earns
 * nothing meanwhile. Price impact and gas are left out and held allocations may sit up to the dead band
 * over a cap (as the keeper's own breach check allows), so the LP only ever relaxes what a real
 * strategy faces: no strategy and no in-limits benchmark can end above it. Maximizes final NAV.
 */
/** Ten significant digits: the LP text parses ~2× faster, and the error (1e-10 a step) is far below any APY digit shown. */
const r10 = (x: number) => Number(x.toPrecision(10));

export function foresightCeiling(v: LoadedVault, rows: readonly Observation[], from: number, to: number, step: number, solver: LpSolver, limits: CeilingLimits = ALL_LIMITS, path?: CeilingPath): CeilingResult {
  const p = path ?? ceilingPath(v, rows, from, to, step);
  const base = v.universe.baseAsset;
  const band = v.config.planner.deadBand;
  // An asset never valued and never held can hold nothing: it gets no variables at all.
  const ids = p.assets.map((a) => a.id).filter((id) => id !== base && ((p.initial.get(id) ?? 0) > 0 || p.steps.some((s) => s.unit.has(id))));
  const startNav = [...p.initial.values()].reduce((s, x) => s + x, 0) || 1;
  const vars: LpVariable[] = [];
  const cons: LpConstraint[] = [];
  const K = p.steps.length;
  // Redemptions in flight: (step requested, asset, payout per unit, step it pays).
  const flights: Array<{ k: number; i: number; payout: number; arrive: number }> = [];
  const x = (k: number, i: number) => `x${k}_${i}`;
  for (let k = 0; k < K; k++) {
    const s = p.steps[k] as NonNullable<(typeof p.steps)[number]>;
    const prev = k > 0 ? p.steps[k - 1] : undefined;
    const baseTerms: Array<[string, number]> = [[x(k, 0), 1]];
    let baseConst = k === 0 ? r10((p.initial.get(base) ?? 0) / startNav) : 0;
    if (k > 0) baseTerms.push([x(k - 1, 0), -1]);
    vars.push({ name: x(k, 0), lo: 0, hi: Infinity, obj: 0 });
    ids.forEach((id, j) => {
      const i = j + 1;
      const u1 = s.unit.get(id);
      const u0 = prev?.unit.get(id);
      const g = u1 !== undefined && u0 !== undefined && u0 > 0 ? u1 / u0 : 1;
      vars.push({ name: x(k, i), lo: 0, hi: Infinity, obj: 0 });
      const terms: Array<[string, number]> = [[x(k, i), 1]];
      let rhs = 0;
      if (k === 0) rhs = r10((p.initial.get(id) ?? 0) / startNav);
      else terms.push([x(k - 1, i), -r10(g)]);
      // Trades in size slices (fractions of the start NAV), each at its marginal keep: impact grows with size.
      const width = (m: number) => (m + 1 < SLICES.length ? (SLICES[m + 1] as number) - (SLICES[m] as number) : Infinity);
      const bks = s.eligible.has(id) ? (s.buyKeep.get(id) ?? []) : [];
      bks.forEach((bk, m) => {
        if (bk <= 0) return;
        vars.push({ name: `b${k}_${i}_${m}`, lo: 0, hi: width(m), obj: 0 });
        terms.push([`b${k}_${i}_${m}`, -r10(bk)]);
        baseTerms.push([`b${k}_${i}_${m}`, 1]);
      });
      (s.sellKeep.get(id) ?? []).forEach((sk, m) => {
        if (sk <= 0) return;
        vars.push({ name: `s${k}_${i}_${m}`, lo: 0, hi: width(m), obj: 0 });
        terms.push([`s${k}_${i}_${m}`, 1]);
        baseTerms.push([`s${k}_${i}_${m}`, -r10(sk)]);
      });
      const q = s.queue.get(id);
      if (q && q.payout > 0) {
        vars.push({ name: `r${k}_${i}`, lo: 0, hi: Infinity, obj: 0 });
        terms.push([`r${k}_${i}`, 1]);
        flights.push({ k, i, payout: r10(q.payout), arrive: k + q.steps });
      }
      cons.push({ name: `bal${k}_${i}`, terms, lo: rhs, hi: rhs });
      // As the planner does: a step sells at most what was held before it, and buys at most the cap's
      // worth, so a premium cannot be minted and sold in one step without end.
      const outs = terms.filter(([n]) => n.startsWith('s') || n.startsWith('r')).map(([n]) => [n, 1] as [string, number]);
      if (outs.length) cons.push({ name: `out${k}_${i}`, terms: k === 0 ? outs : [...outs, [x(k - 1, i), -r10(g)]], hi: k === 0 ? rhs : 0 });
      const ins = terms.filter(([n]) => n.startsWith('b')).map(([n]) => [n, 1] as [string, number]);
      if (ins.length) cons.push({ name: `in${k}_${i}`, terms: [...ins, [`n${k}`, -Math.min(1, (p.caps[id] ?? 1) + band)]], hi: 0 });
    });
    // Queued value as one stock: what entered the queue this step, less what it paid out.
    const pendTerms: Array<[string, number]> = [[`p${k}`, 1]];
    if (k > 0) pendTerms.push([`p${k - 1}`, -1]);
    for (const f of flights) {
      if (f.arrive === k) {
        baseTerms.push([`r${f.k}_${f.i}`, -f.payout]);
        pendTerms.push([`r${f.k}_${f.i}`, f.payout]);
      }
      if (f.k === k) pendTerms.push([`r${f.k}_${f.i}`, -f.payout]);
    }
    vars.push({ name: `p${k}`, lo: 0, hi: Infinity, obj: 0 });
    cons.push({ name: `pend${k}`, terms: pendTerms, lo: 0, hi: 0 });
    cons.push({ name: `base${k}`, terms: baseTerms, lo: baseConst, hi: baseConst });
    baseConst = 0;
    // NAV after this step's trades: holdings plus redemptions still in the queue (valued at their payout).
    const navTerms: Array<[string, number]> = [[`n${k}`, -1], [x(k, 0), 1], [`p${k}`, 1], ...ids.map((_, j) => [x(k, j + 1), 1] as [string, number])];
    vars.push({ name: `n${k}`, lo: 0, hi: Infinity, obj: k === K - 1 ? 1 : 0 });
    cons.push({ name: `nav${k}`, terms: navTerms, lo: 0, hi: 0 });
    const n: [string, number] = [`n${k}`, 0];
    if (limits.assetCaps) ids.forEach((id, j) => {
      const cap = p.caps[id] ?? 1;
      if (cap < 1) cons.push({ name: `cap${k}_${j + 1}`, terms: [[x(k, j + 1), 1], [n[0], -(cap + band)]], hi: 0 });
    });
    if (limits.groupCaps) p.groups.forEach((grp, gi) => {
      // A group whose members' own caps cannot together exceed its cap is no constraint.
      const reach = grp.members.filter((m) => ids.includes(m)).reduce((t, m) => t + (limits.assetCaps ? (p.caps[m] ?? 1) + band : 1), 0);
      if (grp.cap >= 1 || reach <= grp.cap + band) return;
      const terms: Array<[string, number]> = grp.members.filter((m) => ids.includes(m)).map((m) => [x(k, ids.indexOf(m) + 1), 1]);
      if (terms.length) cons.push({ name: `grp${k}_${gi}`, terms: [...terms, [n[0], -(grp.cap + band)]], hi: 0 });
    });
    if (limits.expectedLoss && p.maxExpectedLoss < 1) {
      const worst = Math.max(0, ...ids.map((id) => s.expectedLoss[id] ?? 0));
      cons.push({ name: `el${k}`, terms: [...ids.map((id, j) => [x(k, j + 1), r10(s.expectedLoss[id] ?? 0)] as [string, number]), [n[0], -(p.maxExpectedLoss + band * worst)]], hi: 0 });
    }
    if (limits.liquidity && p.minLiquid > band) {
      // Queued value counts with the base asset, as the keeper's weights count it.
      const liquid = ids.map((id, j) => [id, j + 1] as const).filter(([id]) => s.liquid.has(id)).map(([, i]) => [x(k, i), 1] as [string, number]);
      cons.push({ name: `liq${k}`, terms: [[x(k, 0), 1], [`p${k}`, 1], ...liquid, [n[0], -(p.minLiquid - band)]], lo: 0 });
    }
  }
  const t0 = performance.now();
  const sol = solver.solve({ variables: vars, constraints: cons });
  const solveMs = performance.now() - t0;
  if (sol.status !== 'optimal') throw new Error(`the foresight ceiling LP is ${sol.status} (${sol.detail})`);
  const steps: CeilingStep[] = p.steps.map((s, k) => {
    const nav = sol.values[`n${k}`] ?? 0;
    const weights: Record<AssetId, number> = {};
    if (nav > 0) {
      let held = 0;
      ids.forEach((id, j) => {
        const w = (sol.values[x(k, j + 1)] ?? 0) / nav;
        if (w > 1e-9) weights[id] = w;
        held += w;
      });
      weights[base] = Math.max(0, 1 - held);
    }
    return { t: s.t, nav, weights };
  });
  const first = steps[0];
  const last = steps[steps.length - 1];
  const years = first && last ? (last.t - first.t) / YEAR : 0;
  // NAV is relative to the start before any trade (1), as a strategy's start NAV is.
  const growth = last ? last.nav : 1;
  return { steps, netApy: years > 0 && growth > 0 ? Math.pow(growth, 1 / years) - 1 : 0, variables: vars.length, constraints: cons.length, solveMs };
}
