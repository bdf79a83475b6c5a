import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVault, type LoadedVault } from '../src/config/load-vault.js';
import { RegistrySchema } from '../src/config/registry-schema.js';
import { buildUniverse } from '../src/config/universe.js';
import { VaultSchema } from '../src/config/vault-schema.js';
import type { Observation } from '../src/domain/observation.js';
import { DAY, YEAR } from '../src/domain/time.js';
import { holdBenchmark } from '../src/backtest/benchmark.js';
import { foresightCeiling } from '../src/backtest/foresight-ceiling.js';
import { loadHighsSolver } from '../src/strategy/highs-solver.js';
import { checkLookahead, LookaheadError } from '../src/backtest/lookahead-check.js';
import { computeMetrics } from '../src/backtest/metrics.js';
import { simulate } from '../src/backtest/simulate.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { visibleRows } from '../src/strategy/history-view.js';
import { loadStrategy } from '../src/strategy/load-strategy.js';
import type { LpSolver } from '../src/strategy/lp-solver.js';
import { defineStrategy, type Strategy } from '../src/strategy/strategy.js';
import { createYalpsSolver } from '../src/strategy/yalps-solver.js';
import { cli, ROOT, tempDir } from './support/cli.js';

const solver: LpSolver = createYalpsSolver();
const note = 'test fixture';

/** A strategy that holds fixed weights, whatever it sees. */
function fixed(weights: Record<string, number>): Strategy<unknown> {
  return defineStrategy({ name: 'fixed', description: 'fixed weights', params: z.object({}), decide: () => ({ weights, rationale: ['fixed'] }) });
}

/** A two-asset ETH vault built in memory: an LST with a 0.1 % mint fee and an Aave-like rebasing supply of ETH. */
function tinyVault(): LoadedVault {
  const registry = RegistrySchema.parse({
    version: 1,
    chains: { ethereum: { baseAsset: 'ETH', gasPriceBaseUnits: '1000000000', note } },
    layers: {},
    assets: {
      ETH: { symbol: 'ETH', chain: 'ethereum', kind: 'native', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'native', underlying: 'ETH' }, layers: [], entry: {}, exit: {}, note },
      LST: { symbol: 'LST', chain: 'ethereum', kind: 'lst', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'lst', underlying: 'ETH' }, layers: [], entry: { mint: { feeFraction: 0.001, gasUnits: 100000, note } }, exit: { redeem: { feeFraction: 0, delaySeconds: 86400, earnsWhileQueued: false, gasUnits: 100000, note } }, note },
      SUP: { symbol: 'SUP', chain: 'ethereum', kind: 'lending', lendingOf: 'ETH', rebasing: true, decimals: 18, valuedIn: 'ETH', groups: { protocol: 'mm', underlying: 'ETH' }, layers: [], entry: { mint: { feeFraction: 0, gasUnits: 200000, note } }, exit: { redeem: { feeFraction: 0, delaySeconds: 0, earnsWhileQueued: true, gasUnits: 200000, note } }, note },
    },
  });
  const config = VaultSchema.parse({
    name: 'tiny', chain: 'ethereum', baseAsset: 'ETH', registry: 'x', journal: 'x',
    initialHoldings: { ETH: '100000000000000000000' },
    universe: ['ETH', 'LST', 'SUP'],
    strategy: { name: 'fixed' },
    // permissive on purpose (this vault tests the arithmetic, not the limits; the schema's defaults are conservative)
    limits: { maxWeightPerAsset: 1, maxExitCost: 1, maxWeightPerGroup: { protocol: 1, restaking: 1, operators: 1, underlying: 1 }, minLiquidWeight: 0, maxExpectedLoss: 1, maxLossProbability: 1, maxDepeg: 0.02, maxRedemptionDelay: '30d' },
    breakers: { staleData: { maxAge: '3d' } },
    planner: { deadBand: 0.02, minTradeBase: '0', gasReserveBase: '10000000000000000', maxSlippage: 0.01 },
    apyWindow: '2d',
  });
  return { file: 'tiny.yaml', config, registry, universe: buildUniverse(registry, 'ethereum', 'ETH', config.universe), paths: { registry: 'x', history: undefined, journal: 'x' }, hash: 'x' };
}

describe('simulation arithmetic', () => {
  it('accrues the LST by its fair rate and the supply position by its index, net of fee and gas, as computed by hand', () => {
    const v = tinyVault();
    const t0 = Date.parse('2025-01-01T00:00:00Z');
    const rows: Observation[] = [];
    for (let d = -3; d <= 30; d++) {
      const t = t0 + d * DAY;
      rows.push({ time: t, asset: 'LST', source: 't', fairRate: 1 + 0.001 * (d + 3), marketRate: 1 + 0.001 * (d + 3) });
      rows.push({ time: t, asset: 'SUP', source: 't', fairRate: 1, apyLending: 0.03, supplyIndex: 1 + 0.0002 * (d + 3) });
    }
    const r = simulate({ vault: v, strategy: fixed({ ETH: 0, LST: 0.5, SUP: 0.5 }), params: {}, solver, rows, from: t0, to: t0 + 30 * DAY, step: DAY });
    // Day 0: cash less gas (100k + 200k at 1 gwei) and the 0.01 ETH gas reserve is split evenly: the LST is
    // minted at 1.003 less its 0.1 % fee, the supply position starts at index 1.0006.
    const gas = (100_000 + 200_000) * 1e-9;
    const spend = (50 * (100 - gas - 0.01)) / 100;
    const lstTokens = (spend * 0.999) / 1.003;
    const supplied = spend;
    const cash = 100 - 2 * spend - gas;
    expect(r.actions.map((a) => a.action.kind)).toEqual(['mint', 'supply']);
    // Day 30: LST at 1.033, index 1.0066; nothing traded in between (weights drift inside the dead band).
    const expected = lstTokens * 1.033 + supplied * (1.0066 / 1.0006) + cash;
    const last = r.steps[r.steps.length - 1];
    expect(last?.nav).toBeCloseTo(expected, 9);
    expect(last?.cumCost).toBeCloseTo(spend * 0.001 + gas, 9);
    const m = computeMetrics(r);
    expect(m.actions).toBe(2);
    expect(m.netApy).toBeCloseTo(Math.pow(expected / 100, YEAR / (30 * DAY)) - 1, 9);
    expect(m.grossApy).toBeGreaterThan(m.netApy);
    expect(m.limitBreaches).toBe(0);
  });

  it('a queued redemption locks the funds for the delay and pays the fair rate at request', () => {
    const v = tinyVault();
    const t0 = Date.parse('2025-01-01T00:00:00Z');
    const rows: Observation[] = [];
    for (let d = -3; d <= 6; d++) rows.push({ time: t0 + d * DAY, asset: 'LST', source: 't', fairRate: 1.05, marketRate: 1.05 });
    let day = 0;
    const strategy = defineStrategy({ name: 'in-out', description: '', params: z.object({}), decide: () => ({ weights: day++ === 0 ? { LST: 1, ETH: 0, SUP: 0 } : { ETH: 1, LST: 0, SUP: 0 }, rationale: [] }) });
    const r = simulate({ vault: v, strategy, params: {}, solver, rows, from: t0, to: t0 + 3 * DAY, step: DAY });
    const kinds = r.actions.map((a) => `${a.t - t0}:${a.action.kind}`);
    expect(kinds).toEqual(['0:mint', `${DAY}:redeem-request`, `${2 * DAY}:redeem-claim`]);
    // While queued, the value sits in ETH's weight (pending), not in LST.
    expect(r.steps[1]?.weights.LST ?? 0).toBe(0);
    expect(r.steps[1]?.weights.ETH).toBeCloseTo(1, 9);
  });
});

describe('on the bundled history', () => {
  let vault: LoadedVault;
  let rows: Observation[];
  beforeAll(() => {
    vault = loadVault(join(ROOT, 'config/vaults/eth-restaking.yaml'));
    rows = readHistoryFile(join(ROOT, 'history/ethereum.csv'));
  });

  it('the recorded August 2024 weETH depeg moves NAV (marked to market)', () => {
    // Wide breaker bounds so the position is held through the discount.
    const c = vault.config;
    const wide = { ...vault, config: { ...c, breakers: { ...c.breakers, depeg: { ...c.breakers.depeg, maxDiscount: 0.05, action: 'derisk' as const } }, limits: { ...c.limits, maxDepeg: 0.05 } } };
    const from = Date.parse('2024-07-20T00:00:00Z');
    const r = simulate({ vault: wide, strategy: fixed({ ETH: 0.6, weETH: 0.4 }), params: {}, solver, rows, from, to: Date.parse('2024-08-20T00:00:00Z'), step: DAY });
    const at = (iso: string) => r.steps.find((s) => s.t === Date.parse(iso));
    const before = at('2024-08-04T00:00:00Z');
    const during = at('2024-08-06T00:00:00Z');
    expect(before && during).toBeTruthy();
    // Hand computation from the recorded rows: the ETH part is flat, the weETH part moves by its market
    // price; the fair rate's growth over two days is tiny next to the ~0.5 % discount.
    const mkt = (iso: string) => rows.filter((o) => o.asset === 'weETH' && o.marketRate !== undefined && o.time <= Date.parse(iso)).pop()?.marketRate as number;
    const w = (before?.weights.weETH ?? 0);
    const expectedRatio = 1 - w + w * (mkt('2024-08-06T00:00:00Z') / mkt('2024-08-04T00:00:00Z'));
    expect((during?.nav ?? 0) / (before?.nav ?? 1)).toBeCloseTo(expectedRatio, 5);
    const fall = 1 - (during?.nav ?? 0) / (before?.nav ?? 1);
    expect(fall).toBeGreaterThan(0.0012);
  });

  it('the foresight ceiling is at least as good as every strategy under the same limits', async () => {
    const from = Date.parse('2024-07-01T00:00:00Z');
    const to = Date.parse('2024-10-01T00:00:00Z');
    const ceiling = foresightCeiling(vault, rows, from, to, DAY, await loadHighsSolver({ presolve: true, method: 'ipm' }));
    for (const name of ['risk-adjusted', 'chase-apy']) {
      const s = await loadStrategy(name);
      const r = simulate({ vault, strategy: s, params: s.params.parse({}), solver, rows, from, to, step: DAY });
      expect(computeMetrics(r).netApy).toBeLessThanOrEqual(ceiling.netApy + 1e-9);
    }
    // The ceiling keeps the limits as held allocations are checked: a cap plus at most the dead band.
    for (const s of ceiling.steps) for (const [id, w] of Object.entries(s.weights)) if (id !== 'ETH') expect(w).toBeLessThanOrEqual(vault.config.limits.maxWeightPerAsset + vault.config.planner.deadBand + 1e-6);
  });

  it('the lookahead check passes an honest strategy and catches one that peeks at the future', async () => {
    const from = Date.parse('2024-07-01T00:00:00Z');
    const to = Date.parse('2024-09-15T00:00:00Z');
    const honest = await loadStrategy('risk-adjusted');
    const spec = { vault, strategy: honest, params: honest.params.parse({}), solver, rows, from, to, step: DAY };
    const report = checkLookahead(spec, simulate(spec), 3);
    expect(report.decisionsCompared).toBeGreaterThan(50);

    // Peeks three days ahead at weETH's market price and leaves before a discount it could not know of.
    const peeker = defineStrategy({
      name: 'peeker',
      description: 'reads the future (test only)',
      params: z.object({}),
      decide(input) {
        const future = input.history.rows.filter((o) => o.asset === 'weETH' && o.marketRate !== undefined && o.time > input.now && o.time <= input.now + 3 * DAY);
        const worst = Math.min(...future.map((o) => (o.marketRate as number) / (o.fairRate as number)), 1);
        return { weights: worst < 0.997 ? ({ ETH: 1 } as Record<string, number>) : { ETH: 0.6, weETH: 0.4 }, rationale: [] };
      },
    });
    const peekSpec = { ...spec, strategy: peeker as Strategy<unknown>, params: {} };
    expect(() => checkLookahead(peekSpec, simulate(peekSpec), 4)).toThrow(LookaheadError);
    expect(() => checkLookahead(peekSpec, simulate(peekSpec), 4)).toThrow(/peeker decided differently at .* once data after .* was removed/);

    // The same idea using only what is visible is not flagged.
    const looker = defineStrategy({ ...peeker, name: 'looker', decide: (input) => ({ weights: visibleRows(input.history, input.now).length % 2 ? ({ ETH: 1 } as Record<string, number>) : { ETH: 0.6, weETH: 0.4 }, rationale: [] }) });
    const lookSpec = { ...spec, strategy: looker as Strategy<unknown>, params: {} };
    expect(() => checkLookahead(lookSpec, simulate(lookSpec), 4)).not.toThrow();
  });
});

describe('backtest command', () => {
  it('prints the table with baselines, benchmark and ceiling, and writes the report and series', () => {
    const dir = tempDir();
    const r = cli(['backtest', '--from', '2024-07-01T00:00:00Z', '--to', '2024-09-01T00:00:00Z', '--strategy', 'risk-adjusted', '--strategy', 'lst-conservative', '--out', dir, '--lookahead', '2']);
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['risk-adjusted', 'lst-conservative', 'chase-apy', 'hold wstETH', 'hold wstETH in limits', 'foresight ceiling']) expect(r.stdout).toContain(name);
    expect(r.stdout).toMatch(/net APY +gross APY +cost drag +max DD +capture/);
    expect(r.stdout).toMatch(/lookahead check risk-adjusted: \d+ decisions identical/);
    for (const f of ['report.html', 'series.csv', 'allocation.csv', 'results.csv', 'series.json']) expect(existsSync(join(dir, f))).toBe(true);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    const series = readFileSync(join(dir, 'series.csv'), 'utf8').trim().split('\n');
    expect(series[0]).toBe('time,risk-adjusted,lst-conservative,chase-apy,hold wstETH,hold wstETH in limits,foresight ceiling');
    expect(series.length).toBe(1 + 63);
    // No progress bar when stdout/stderr are not a terminal.
    expect(r.stderr).not.toMatch(/\r/);
  });
});
