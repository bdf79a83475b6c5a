import type Database from 'better-sqlite3';
import { computeMetrics, type BacktestMetrics, type MetricsInput } from '../backtest/metrics.js';
import { heldBreaches } from '../backtest/held-breaches.js';
import type { Universe } from '../config/universe.js';
import { LimitsSchema, type Limits } from '../config/vault-schema.js';
import { readCostSplit, splitTotal } from '../domain/cost-split.js';
import { DAY } from '../domain/time.js';
import { groupCaps } from '../risk/allocation-bounds.js';
import { readMetricRows, type MetricRows } from './journal-metric-rows.js';
import { snapshotWeights } from './snapshot-weights.js';

export type MetricKey = keyof BacktestMetrics;
/** Metric → why the journal cannot give it. */
export type Unmeasured = Partial<Record<MetricKey, string>>;

export interface JournalMetrics {
  readonly metrics: BacktestMetrics;
  readonly unmeasured: Unmeasured;
}

// Halts made before the limits were built (a breaker halt, an unpriced holding, a cycle that failed closed):
// the backtest has no bounds at such a step and counts no held breach there.
const BEFORE_BOUNDS = ['halted by breaker:', 'cannot value ', 'no plan:', 'no decision'];
const iso = (t: number) => new Date(t).toISOString();
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** A fill's cost against fair, net of any gain, as the backtest counts it; or why it is unknown (a part of it was not measurable). */
function fillNetCost(costBase: string, detailJson: string | null): { cost: bigint } | { why: string } {
  const d = detailJson ? (JSON.parse(detailJson) as Record<string, unknown>) : {};
  const split = readCostSplit(d);
  // No parts at all: a paper fill journaled before the split, whose cost_base is its whole cost.
  if (!split) return { cost: BigInt(costBase) - (typeof d.gainBase === 'string' && /^\d+$/.test(d.gainBase) ? BigInt(d.gainBase) : 0n) };
  const total = splitTotal(split);
  return total === undefined ? { why: split.why ?? 'a part of its cost is unknown' } : { cost: total };
}

/**
 * The Results row's metrics from a paper or live journal, by the backtest's own definition (computeMetrics
 * over the same records: NAV after each cycle, costs paid, weights held, expected loss, halts, held caps,
 * trades, breaker firings). A figure the journal cannot give is named in `unmeasured` with the reason.
 */
export function journalMetrics(db: Database.Database, u: Universe, runIds: readonly number[]): JournalMetrics | undefined {
  const rows = readMetricRows(db, runIds);
  const scale = 10 ** u.baseDecimals;
  const decimals = (a: string) => u.registryAssets.get(a)?.decimals ?? u.baseDecimals;
  const unmeasured: Unmeasured = {};
  const miss = (keys: readonly MetricKey[], why: string) => {
    for (const k of keys) unmeasured[k] ??= why;
  };

  // One step per decision time: the last cycle at it (a redo stands for the cycle it redid).
  const first = new Map<number, MetricRows['snapshots'][number]>();
  const last = new Map<number, MetricRows['snapshots'][number]>();
  const byTime = new Map<number, number>();
  for (const s of rows.snapshots) {
    if (!first.has(s.cycle)) first.set(s.cycle, s);
    last.set(s.cycle, s);
    byTime.set(s.t, s.cycle);
  }
  const cycles = [...byTime.values()];
  if (cycles.length === 0) return undefined;

  const costAt = new Map<number, number>();
  const unknownCost: string[] = [];
  const actions: Array<MetricsInput['actions'][number]> = [];
  for (const a of rows.actions) {
    if (a.status !== 'confirmed' && a.status !== 'failed') continue;
    const t = first.get(a.cycle)?.t ?? Infinity;
    const handedIn = a.fills.length ? a.fills.reduce((s, f) => s + BigInt(f.amountIn), 0n) : BigInt(a.amountIn);
    let valueBase = Number(handedIn) / scale;
    if (a.from !== u.baseAsset && a.kind !== 'redeem-claim') {
      // At the cycle's marks before trading, as the backtest values a leg; an asset not held then (withdrawn from
      // lending and queued in the same cycle) has no mark and counts at 1 base unit each, as there.
      const mark = (JSON.parse(first.get(a.cycle)?.mk ?? '{}') as Record<string, number>)[a.from];
      valueBase = (Number(handedIn) / 10 ** decimals(a.from)) * (mark ?? 1);
    }
    actions.push({ status: a.status, valueBase, action: { kind: a.kind as MetricsInput['actions'][number]['action']['kind'] } });
    if (a.status !== 'confirmed') continue;
    for (const f of a.fills) {
      const c = fillNetCost(f.costBase, f.detail);
      if ('why' in c) unknownCost.push(c.why);
      else costAt.set(t, (costAt.get(t) ?? 0) + Number(c.cost) / scale);
    }
  }
  if (unknownCost.length) miss(['grossApy', 'costDrag', 'totalCost'], `${plural(unknownCost.length, 'fill')} without a known cost (${[...new Set(unknownCost)].join('; ')})`);

  const limitsOf = new Map<number, { limits: Limits; band: number } | undefined>();
  for (const [run, json] of rows.configs) {
    const cfg = JSON.parse(json) as { limits?: unknown; planner?: { deadBand?: unknown } };
    const limits = LimitsSchema.safeParse(cfg.limits);
    const band = cfg.planner?.deadBand;
    limitsOf.set(run, limits.success && cfg.limits !== undefined && typeof band === 'number' ? { limits: limits.data, band } : undefined);
  }
  const costs = [...costAt].sort((x, y) => x[0] - y[0]);
  let ci = 0;
  let cumCost = 0;
  let noScores = 0;
  const steps: Array<MetricsInput['steps'][number]> = [];
  for (const cycle of cycles) {
    const after = last.get(cycle) as MetricRows['snapshots'][number];
    while (ci < costs.length && (costs[ci] as [number, number])[0] <= after.t) cumCost += (costs[ci++] as [number, number])[1];
    const { weights, unpriced } = snapshotWeights(u, after.pf, after.mk);
    if (unpriced.length) miss(['timeInAsset', 'expectedLoss', 'limitBreaches'], `no mark for ${unpriced.join(', ')} at ${iso(after.t)}`);
    const losses = rows.losses.get(cycle);
    if (!losses) noScores++;
    const expectedLoss = Object.entries(weights).reduce((s, [a, w]) => s + w * (losses?.[a] ?? 0), 0);
    const d = rows.decisions.get(cycle);
    const halted = d?.halted ? (d.rationale[0] ?? 'halted') : undefined;
    const lim = limitsOf.get(after.run);
    if (!lim) miss(['limitBreaches'], `run ${after.run} journaled no limits and dead band in its config`);
    const bounded = !(halted !== undefined && BEFORE_BOUNDS.some((p) => halted.startsWith(p)));
    const breaches = lim && bounded ? heldBreaches(weights, { assets: u.assets.map((a) => a.id), baseAsset: u.baseAsset, groups: groupCaps(u, lim.limits) }, lim.limits, u, lim.band) : [];
    steps.push({ t: after.t, nav: Number(BigInt(after.nav)) / scale, cumCost, weights, expectedLoss, halted, breaches });
  }
  if (noScores) miss(['expectedLoss'], `${plural(noScores, 'cycle')} journaled no scores`);
  // Costs of actions in cycles with no valuation (none in practice) still count in the total.
  if (ci < costs.length && steps.length) {
    const tail = costs.slice(ci).reduce((s, [, c]) => s + c, 0);
    const end = steps[steps.length - 1] as MetricsInput['steps'][number];
    steps[steps.length - 1] = { ...end, cumCost: end.cumCost + tail };
  }

  const firings: unknown[] = [];
  let unread = 0;
  for (const b of rows.breakers) {
    const data = b.data ? (JSON.parse(b.data) as { held?: unknown; action?: unknown }) : {};
    if (typeof data.held !== 'boolean') unread++;
    else if (data.held || data.action === 'halt') firings.push(data);
  }
  if (unread) miss(['breakerEvents'], `${plural(unread, 'breaker event')} journaled without whether the asset was held`);

  const startNav = Number(BigInt((first.get(cycles[0] as number) as MetricRows['snapshots'][number]).nav)) / scale;
  const metrics = computeMetrics({ startNav, steps, actions, firings });
  if (metrics.to - metrics.from < DAY) miss(['netApy', 'grossApy', 'costDrag', 'turnover'], 'the journal covers less than a day');
  return { metrics, unmeasured };
}
