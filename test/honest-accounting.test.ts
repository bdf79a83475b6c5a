import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { holdBenchmark } from '../src/backtest/benchmark.js';
import { compareStrategies } from '../src/backtest/compare.js';
import { computeMetrics } from '../src/backtest/metrics.js';
import { simulate } from '../src/backtest/simulate.js';
import { formatResultsTable } from '../src/cli/commands/backtest.js';
import { loadVault } from '../src/config/load-vault.js';
import type { PlannedAction } from '../src/domain/action.js';
import type { Observation } from '../src/domain/observation.js';
import { DAY } from '../src/domain/time.js';
import { executePaper } from '../src/executor/paper-executor.js';
import { formatCycleLine } from '../src/keeper/cycle-report.js';
import { initialPortfolio } from '../src/keeper/keeper.js';
import { formatSummary, summarize } from '../src/keeper/run-summary.js';
import { MarketState } from '../src/market/market-state.js';
import { markOf } from '../src/market/valuation.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { loadStrategy, parseStrategyParams } from '../src/strategy/load-strategy.js';
import type { LpSolver } from '../src/strategy/lp-solver.js';
import { cli, ROOT, tempDir } from './support/cli.js';
import { highs } from './support/core-fixtures.js';
import { day, grow, scenarioRows, syntheticVault } from './support/synthetic-vault.js';

let solver: LpSolver;
let rows: Observation[];
beforeAll(async () => {
  solver = await highs();
  rows = readHistoryFile(join(ROOT, 'history/ethereum.csv'));
});

/** The shipped vault, started with 45 wstETH + 45 weETH + 6.7 ETH instead of 100 ETH. */
function mixedVaultFile(): string {
  const dir = tempDir('rk-nav-');
  const file = join(dir, 'mixed.yaml');
  writeFileSync(
    file,
    [
      'name: mixed-start',
      'chain: ethereum',
      'baseAsset: ETH',
      `registry: ${join(ROOT, 'config/assets/ethereum.yaml')}`,
      `history: ${join(ROOT, 'history/ethereum.csv')}`,
      `journal: ${join(dir, 'j.sqlite')}`,
      'initialHoldings: { ETH: "6700000000000000000", wstETH: "45000000000000000000", weETH: "45000000000000000000" }',
      'benchmark: wstETH',
      'universe: [ETH, wstETH, weETH, aave-v3-WETH, aave-v3-wstETH, aave-v3-weETH]',
      'strategy: { name: risk-adjusted, params: { riskAversion: 1, slices: 6 } }',
      'limits: { maxWeightPerAsset: 0.5, maxWeightPerKind: { lrt: 0.4, lending: 0.5 }, minLiquidWeight: 0.2, maxExpectedLoss: 0.004, maxDepeg: 0.005, maxExitCost: 0.01, maxRedemptionDelay: 21d }',
      'planner: { deadBand: 0.02, minTradeBase: "1000000000000000000", maxSlippage: 0.005, gasReserveBase: "200000000000000000", horizon: 180d }',
      'schedule: { step: 1d, from: "2024-06-12T00:00:00Z", to: "2025-09-27T00:00:00Z" }',
      'apyWindow: 30d',
      '',
    ].join('\n'),
  );
  return file;
}

describe('start NAV counts every initial holding', () => {
  it('backtest: 45 wstETH + 45 weETH + 6.7 ETH start at their value, and the APY is a staking APY', async () => {
    const v = loadVault(mixedVaultFile());
    const strategy = await loadStrategy('risk-adjusted');
    const from = Date.parse('2024-06-12T00:00:00Z');
    const r = simulate({ vault: v, strategy, params: parseStrategyParams(strategy, v.config.strategy.params, v.file), solver, rows, from, to: Date.parse('2025-09-27T00:00:00Z'), step: DAY });
    const m = new MarketState(30 * DAY, 36 * 3_600_000);
    m.ingestAll(rows.filter((o) => o.time <= from));
    const snap = m.view(from);
    const expected = 6.7 + 45 * markOf(v.universe, snap, 'wstETH')! + 45 * markOf(v.universe, snap, 'weETH')!;
    expect(r.startNav).toBeCloseTo(expected, 6);
    expect(r.startNav).toBeGreaterThan(100);
    const apy = computeMetrics(r).netApy;
    expect(apy).toBeGreaterThan(0.01);
    expect(apy).toBeLessThan(0.06);
    // the initial portfolio holds what the config says, nothing is dropped
    expect([...initialPortfolio(v).holdings.keys()].sort()).toEqual(['ETH', 'weETH', 'wstETH']);
  });

  it('run: the summary reports the same start NAV and a sane APY', () => {
    const file = mixedVaultFile();
    const r = cli(['run', '--config', file, '--max-cycles', '20']);
    expect(r.code, r.stderr).toBe(0);
    const nav = /NAV +([\d.]+) → ([\d.]+) ETH/.exec(r.stdout);
    expect(nav, r.stdout).not.toBeNull();
    expect(Number(nav![1])).toBeGreaterThan(100);
    const apy = Number(/net APY +(-?[\d.e+]+) %/.exec(r.stdout)?.[1]);
    expect(Number.isFinite(apy)).toBe(true);
    expect(Math.abs(apy)).toBeLessThan(20);
  });
});

describe('costs are symmetric', () => {
  it('a buy 2 % below fair gains the discount that a sale 2 % below fair gives up', () => {
    const v = syntheticVault({ holdings: { ETH: 100, NOQ: 10 }, strategy: 'hold' });
    const u = v.universe;
    const m = new MarketState(7 * DAY);
    m.ingestAll(scenarioRows((n) => ({ NOQ: { fair: grow(n, 0.05), discount: 0.02 } }), 20));
    const snap = m.view(day(20));
    const p = initialPortfolio(v);
    const ctx = { universe: u, snapshot: snap, now: day(20), onStatus: () => {} };
    const base = { seq: 0, minOut: 0n, estCostBase: 0n, delaySeconds: 0, reason: 'test', venue: 'test-dex' } as const;
    const buy = executePaper({ ...base, kind: 'buy', from: 'ETH', to: 'NOQ', amountIn: 10n ** 19n, expectedOut: 0n } as PlannedAction, p, ctx);
    const sell = executePaper({ ...base, kind: 'sell', from: 'NOQ', to: 'ETH', amountIn: (10n ** 19n * 100n) / 105n, expectedOut: 0n } as PlannedAction, p, ctx);
    expect(buy.status).toBe('confirmed');
    expect(sell.status).toBe('confirmed');
    const gain = Number(buy.fill!.gainBase ?? 0n) / 1e18;
    const lost = Number(sell.fill!.costBase) / 1e18;
    // 10 ETH: the buy gains ~2 % less fee and impact, the sale loses ~2 % plus them
    expect(gain).toBeGreaterThan(0.19);
    expect(gain).toBeLessThan(0.21);
    expect(lost).toBeGreaterThan(0.19);
    expect(buy.fill!.costBase).toBe(150000n * 10n ** 9n); // gas only
    expect(buy.fill!.detail?.gainBase).toBe(buy.fill!.gainBase!.toString());
  });
});

describe('queued is pending, not held', () => {
  it('reports show value in a redemption queue as queued, not as idle base asset', async () => {
    const v = syntheticVault({ holdings: { ETH: 20, TOK: 40, NOQ: 40 }, strategy: 'hold' });
    const rs = scenarioRows((n) => ({ TOK: { fair: grow(n, 0.04), discount: n >= 30 && n < 45 ? 0.03 : 0.001 }, NOQ: { fair: grow(n, 0.05), discount: 0.001 } }));
    const strategy = await loadStrategy('hold');
    const out = compareStrategies({ vault: v, rows: rs, solver, contenders: [{ strategy, params: {}, kind: 'strategy' }], from: day(10), to: day(60), step: DAY, lookahead: 0, generatedAt: '2025-01-01T00:00:00Z' });
    const at31 = out.model.primary.allocation.find((a) => a.t === day(31))!;
    expect(at31.weights.queued).toBeGreaterThan(0.35);
    expect(at31.weights.ETH).toBeLessThan(0.25);
    expect(at31.weights.TOK ?? 0).toBe(0);
    const step = out.runs[0]!.result.steps.find((s) => s.t === day(31))!;
    expect(step.queued).toBeCloseTo(at31.weights.queued!, 12);
    // after the claim (7 d queue) nothing is queued
    expect(out.model.primary.allocation.find((a) => a.t === day(40))!.weights.queued).toBeUndefined();
  });

  it('the cycle line prints queued apart from the base asset', () => {
    const line = formatCycleLine({ cycleId: 3, time: day(31), status: 'completed', navBase: 10n ** 20n, current: { ETH: 0.6, NOQ: 0.4 }, queuedBase: 4n * 10n ** 19n, targets: { ETH: 0.6, NOQ: 0.4 }, planned: 0, filled: 0, failed: 0, costBase: 0n, firings: [], note: undefined }, 'ETH', 18);
    expect(line).toMatch(/now (NOQ 40\.0% queued 40\.0%|queued 40\.0% NOQ 40\.0%) ETH 20\.0% \(queued 40\.0000 ETH\) \|/);
  });
});

describe('a benchmark with no data says so', () => {
  it('no recorded price for the benchmark asset: "not measurable" with the reason, never 0.000 % (the printed table words it as the report does)', () => {
    const v = syntheticVault({ holdings: { ETH: 100 }, strategy: 'hold' });
    const rs = scenarioRows((n) => ({ NOQ: { fair: grow(n, 0.05), discount: 0.001 } })); // no TOK rows
    const b = holdBenchmark(v, 'TOK', rs, day(10), day(60), DAY);
    expect(b.noData).toBe(true);
    expect(Number.isNaN(b.netApy)).toBe(true);
    const table = formatResultsTable([{ name: 'hold TOK', kind: 'benchmark', nav: [], netApy: b.netApy, maxDrawdown: b.maxDrawdown, noData: b.noData, noDataWhy: 'no recorded price for TOK in the period' }]);
    expect(table[2]).toMatch(/hold TOK +benchmark +not measurable +— +— +not measurable +not measurable +—/);
    expect(table[3]).toBe('hold TOK: not measurable: no recorded price for TOK in the period (not 0 %)');
    expect(table.join('\n')).not.toMatch(/0\.000%|no data/);
  });

  it('a run shorter than a day prints its net APY as not measurable, not 0.000 %', () => {
    const r = { cycleId: 1, time: day(1), status: 'completed' as const, navBase: 10n ** 20n, current: { ETH: 1 }, targets: undefined, planned: 0, filled: 0, failed: 0, costBase: 0n, firings: [], note: undefined };
    const one = summarize([r], 10n ** 20n)!;
    expect(Number.isNaN(one.netApy)).toBe(true);
    const text = formatSummary(one, 'ETH', 18, 'j.sqlite');
    expect(text).toContain('net APY       not measurable (the run covers less than a day; not 0 %)');
    expect(text).not.toMatch(/0\.000 %/);
    const two = summarize([r, { ...r, cycleId: 2, time: day(2), navBase: 1001n * 10n ** 17n }], 10n ** 20n)!;
    expect(formatSummary(two, 'ETH', 18, 'j.sqlite')).toMatch(/net APY {7}44\.\d{3} % \(in ETH, after costs\)/);
  });

  it('assets: a depeg with no market price recorded reads "not measurable", not 0 % or a blank', () => {
    const r = cli(['assets', '-c', join(ROOT, 'config/vaults/sol-staking.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    const jito = r.stdout.split('\n').find((l) => l.startsWith('JitoSOL\t'))!;
    expect(jito.split('\t')[6]).toBe('not measurable');
  });
});
