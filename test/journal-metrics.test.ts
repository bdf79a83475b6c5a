import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlannedAction } from '../src/domain/action.js';
import { costSplitDetail, type CostSplit } from '../src/domain/cost-split.js';
import { emptyPortfolio, withHolding } from '../src/domain/portfolio.js';
import type { AssetScore } from '../src/domain/score.js';
import { DAY, YEAR } from '../src/domain/time.js';
import { openJournal } from '../src/journal/open-journal.js';
import { journalReportModel } from '../src/report/journal-report-model.js';
import { renderReport } from '../src/report/render-report.js';
import { eth, ethVault } from './support/core-fixtures.js';
import { tempDir } from './support/cli.js';

/**
 * The Results row of `report --journal` from what a journal records, by the backtest's definitions,
 * checked against figures worked out by hand from the journal written here; and "not measurable", with
 * the reason, for each metric whose inputs the journal lacks.
 */

const T0 = Date.parse('2025-03-01T00:00:00Z');
const dir = tempDir('journal-metrics-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const vault = ethVault();
const DAYS = 30;
const EL = 0.002;

const action = (kind: PlannedAction['kind'], from: string, to: string, amountIn: bigint): PlannedAction => ({ seq: 1, kind, from, to, amountIn, expectedOut: 1n, minOut: 0n, venue: 'v', estCostBase: 0n, delaySeconds: 0, reason: 'test' });
const score = (asset: string, expectedLoss: number) => ({ asset, eligible: true, reasons: [], yield: { rateGrowth: 0.03, base: null, mev: null, restaking: null, incentives: null, lending: null, total: 0.03, note: 'test' }, expectedLoss, lossProbability: 0.01, layers: [], depeg: null, entryCost: 0, exitCost: 0, exitDelaySeconds: 0, exitRoute: 'dex', tvlBase: null, score: 0.02 }) satisfies AssetScore;

interface Options {
  /** The run's config without its planner (no dead band). */
  noDeadBand?: boolean;
  /** The buy's cost split (default: every part known). */
  buySplit?: CostSplit;
  noScores?: boolean;
  /** The breaker event's data without `held`. */
  breakerWithoutHeld?: boolean;
  /** A snapshot holding an asset it has no mark for. */
  unmarked?: boolean;
  /** Cycles to journal (default 30). */
  days?: number;
}

/**
 * 30 daily cycles: day 0 buys 60 ETH of wstETH (above the 0.5 cap + 0.02 band), day 10 sells a third of
 * it back (under the cap), day 20 has a failed sale; wstETH's mark grows 0.01 % a day. Returns what the
 * metrics must be, worked out from the same numbers.
 */
function journal(file: string, o: Options = {}) {
  const j = openJournal(file);
  const planner = o.noDeadBand ? {} : { planner: vault.config.planner };
  const runId = j.startRun({ at: T0, mode: 'paper', vault: vault.config.name, configHash: 'h'.repeat(64), configJson: JSON.stringify({ strategy: { name: 'risk-adjusted', params: {} }, limits: vault.config.limits, ...planner }) });
  const mark = (d: number) => 1.17 * (1 + 0.0001 * d);
  let ethHeld = 100;
  let wst = 0; // wstETH units
  const buySplit = o.buySplit ?? { gas: eth(0.01), fee: eth(0.02), slippage: eth(0.03), depeg: 0n };
  const exp = { navs: [] as number[], wstW: [] as number[], traded: 0, cost: 0, breaches: 0 };
  const days = o.days ?? DAYS;
  for (let d = 0; d < days; d++) {
    const t = T0 + d * DAY;
    const m = mark(d);
    const marks = { ETH: 1, wstETH: m };
    const snap = (at: number) => {
      let pf = withHolding(withHolding(emptyPortfolio(), 'ETH', eth(ethHeld)), 'wstETH', eth(wst));
      if (o.unmarked && d === 15) pf = withHolding(pf, 'ezETH', eth(1));
      const nav = ethHeld + wst * m;
      j.recordPortfolio({ cycleId, at, navBase: eth(nav), portfolio: pf, marks });
      return nav;
    };
    const cycleId = j.beginCycle({ runId, decisionTime: t, at: t });
    snap(t);
    if (!o.noScores) j.recordScores(cycleId, [score('wstETH', EL), score('ETH', 0)]);
    if (d === 5) j.recordEvent({ cycleId, at: t, kind: 'breaker:depeg', severity: 'warn', asset: 'wstETH', message: 'depeg', data: o.breakerWithoutHeld ? { action: 'derisk' } : { action: 'derisk', held: true } });
    if (d === 6) j.recordEvent({ cycleId, at: t, kind: 'breaker:staleData', severity: 'info', asset: 'ezETH', message: 'stale', data: { action: 'exclude', held: false } });
    j.recordDecision(cycleId, { strategy: 'risk-adjusted', weights: { ETH: 0.4, wstETH: 0.6 }, rationale: ['nothing bound'], halted: false });
    const trade = (a: PlannedAction, ok: boolean, split: CostSplit, apply: () => void) => {
      const [id] = j.recordActions(cycleId, [a], t);
      j.recordActionStatus(id!, 'intent', t);
      if (!ok) return j.recordActionStatus(id!, 'failed', t, { reason: 'test' });
      j.recordFill(id!, { amountIn: a.amountIn, amountOut: 1n, costBase: split.gas, at: t, detail: costSplitDetail(split) });
      j.recordActionStatus(id!, 'confirmed', t);
      apply();
    };
    if (d === 0) {
      trade(action('buy', 'ETH', 'wstETH', eth(60)), true, buySplit, () => {
        ethHeld -= 60;
        wst += (60 - 0.06) / m;
      });
      exp.traded += 60;
      exp.cost += 0.06;
    }
    if (d === 10) {
      const units = Math.round((wst / 3) * 1e9) / 1e9;
      trade(action('sell', 'wstETH', 'ETH', eth(units)), true, { gas: eth(0.001), fee: 0n, slippage: 0n, depeg: eth(0.002) }, () => {
        ethHeld += units * m - 0.003;
        wst -= units;
      });
      exp.traded += units * m;
      exp.cost += 0.003;
    }
    if (d === 20) trade(action('sell', 'wstETH', 'ETH', eth(1)), false, { gas: 0n }, () => {});
    const nav = snap(t);
    j.endCycle(cycleId, t, 'completed', {});
    exp.navs.push(nav);
    const w = (wst * m) / nav;
    exp.wstW.push(w);
    // wstETH alone is held: its per-asset cap and its operator set's group cap (lido-curated-operators) apply
    const caps = [vault.config.limits.maxWeightPerAsset, vault.config.limits.maxWeightPerGroup.operators, vault.config.limits.maxWeightPerGroup.protocol];
    exp.breaches += caps.filter((c) => w > c + vault.config.planner.deadBand).length;
  }
  j.close();
  const years = ((days - 1) * DAY) / YEAR;
  const endNav = exp.navs[exp.navs.length - 1]!;
  const avgNav = exp.navs.reduce((s, x) => s + x, 0) / days;
  const avgW = exp.wstW.reduce((s, x) => s + x, 0) / days;
  const netApy = Math.pow(endNav / 100, 1 / years) - 1;
  const grossApy = Math.pow((endNav + exp.cost) / 100, 1 / years) - 1;
  return { endNav, netApy, grossApy, costDrag: grossApy - netApy, totalCost: exp.cost, turnover: exp.traded / 2 / avgNav / years, wstETH: avgW, expectedLoss: avgW * EL, breaches: exp.breaches };
}

function model(file: string) {
  const j = openJournal(file);
  try {
    return journalReportModel(j.db, vault, { codeVersion: 'test', generatedAt: 'now' });
  } finally {
    j.close();
  }
}

const resultsRow = (html: string) => {
  const row = /<table id="results-table">.*?<tr class="primary">(.*?)<\/tr>/s.exec(html)![1]!;
  return [...row.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((c) => c[1]!.replace(/<[^>]+>/g, ''));
};

describe('report --journal: the Results row from a journal', () => {
  it('every metric from the journal, as worked out by hand from its cycles, fills, scores, events and limits', () => {
    const file = join(dir, 'full.sqlite');
    const e = journal(file);
    const m = model(file);
    const s = m.series[0]!;
    const x = s.metrics!;
    expect(s.unmeasured).toEqual({});
    expect(x.startNav).toBeCloseTo(100, 9);
    expect(x.endNav).toBeCloseTo(e.endNav, 9);
    for (const k of ['netApy', 'grossApy', 'costDrag', 'totalCost', 'turnover', 'expectedLoss'] as const) expect(x[k], k).toBeCloseTo(e[k], 9);
    expect(x.timeInAsset.wstETH).toBeCloseTo(e.wstETH, 9);
    expect(x.timeInAsset.ETH).toBeCloseTo(1 - e.wstETH, 9);
    expect(e.breaches).toBe(20); // days 0–9 above the asset and operator-set caps (0.5) and the band, under the protocol's 0.6; none after the sale
    expect(x.limitBreaches).toBe(e.breaches);
    expect(x.breakerEvents).toBe(1); // the held asset's firing; the exclusion of an unheld one is not counted
    expect([x.actions, x.failedActions, x.haltedSteps]).toEqual([2, 1, 0]);
    expect(s.netApy).toBeCloseTo(e.netApy, 9);
    const cells = resultsRow(renderReport(m));
    expect(cells.slice(5, 12)).toEqual([`${(e.grossApy * 100).toFixed(2)}%`, `${(e.costDrag * 100).toFixed(2)}%`, `${e.turnover.toFixed(2)}×/yr`, '2 (1 failed)', `${(e.expectedLoss * 100).toFixed(3)}%`, '1', '20']);
    expect(cells[12]).toContain(`wstETH ${(e.wstETH * 100).toFixed(1)}%`);
  });

  it('a journal missing what a metric needs shows "not measurable" for that metric, with the reason, and the rest as measured', () => {
    const file = join(dir, 'gaps.sqlite');
    const e = journal(file, { noDeadBand: true, buySplit: { gas: eth(0.01), why: 'no market price for wstETH at execution' }, noScores: true, breakerWithoutHeld: true });
    const m = model(file);
    const s = m.series[0]!;
    expect(s.unmeasured).toEqual({
      grossApy: '1 fill without a known cost (no market price for wstETH at execution)',
      costDrag: '1 fill without a known cost (no market price for wstETH at execution)',
      totalCost: '1 fill without a known cost (no market price for wstETH at execution)',
      limitBreaches: 'run 1 journaled no limits and dead band in its config',
      expectedLoss: '30 cycles journaled no scores',
      breakerEvents: '1 breaker event journaled without whether the asset was held',
    });
    // what the journal does hold is still measured
    expect(s.metrics!.turnover).toBeCloseTo(e.turnover, 9);
    expect(s.metrics!.timeInAsset.wstETH).toBeCloseTo(e.wstETH, 9);
    expect(s.netApy).toBeCloseTo(e.netApy, 9);
    const html = renderReport(m);
    const cells = resultsRow(html);
    expect(cells.slice(5, 12)).toEqual(['not measurable', 'not measurable', `${e.turnover.toFixed(2)}×/yr`, '2 (1 failed)', 'not measurable', 'not measurable', 'not measurable']);
    expect(html).toContain('title="1 fill without a known cost (no market price for wstETH at execution)">not measurable</td>');
    expect(html).toMatch(/id="results-na">risk-adjusted: gross APY, cost drag, total cost not measurable: 1 fill without a known cost \(no market price for wstETH at execution\)\./);
    expect(html).toContain('limit breaches not measurable: run 1 journaled no limits and dead band in its config.');
    expect(html).not.toMatch(/<td class="num[^"]*">0\.00%<\/td><td class="num[^"]*">0\.00%<\/td>/);
  });

  it('a held asset with no mark makes time in asset (and what rests on the weights) not measurable', () => {
    const file = join(dir, 'unmarked.sqlite');
    journal(file, { unmarked: true });
    const s = model(file).series[0]!;
    expect(s.unmeasured?.timeInAsset).toBe('no mark for ezETH at 2025-03-16T00:00:00.000Z');
    expect(s.unmeasured?.expectedLoss).toBe(s.unmeasured?.timeInAsset);
    expect(s.unmeasured?.limitBreaches).toBe(s.unmeasured?.timeInAsset);
    expect(s.unmeasured?.grossApy).toBeUndefined();
    expect(resultsRow(renderReport(model(file)))[12]).toBe('not measurable');
  });

  it('a journal of one cycle: the annualized figures are not measurable (not 0 %), what one cycle says is', () => {
    const file = join(dir, 'one.sqlite');
    journal(file, { days: 1 });
    const m = model(file);
    const s = m.series[0]!;
    for (const k of ['netApy', 'grossApy', 'costDrag', 'turnover'] as const) expect(s.unmeasured?.[k], k).toBe('the journal covers less than a day');
    expect(s.noData).toBe(true);
    expect(s.metrics!.limitBreaches).toBe(2);
    expect(s.metrics!.totalCost).toBeCloseTo(0.06, 12);
    const cells = resultsRow(renderReport(m));
    expect([cells[2], cells[5], cells[6], cells[7]]).toEqual(['not measurable', 'not measurable', 'not measurable', 'not measurable']);
    expect(cells[11]).toBe('2');
  });
});
