import { beforeAll, describe, expect, it } from 'vitest';
import { ceilingPath } from '../src/backtest/ceiling-path.js';
import { ALL_LIMITS, foresightCeiling, type CeilingResult } from '../src/backtest/foresight-ceiling.js';
import { inLimitsHold } from '../src/backtest/in-limits-benchmark.js';
import { computeMetrics } from '../src/backtest/metrics.js';
import { simulate } from '../src/backtest/simulate.js';
import { loadVault, type LoadedVault } from '../src/config/load-vault.js';
import type { Observation } from '../src/domain/observation.js';
import { DAY, parseDuration, parseTime } from '../src/domain/time.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { loadHighsSolver } from '../src/strategy/highs-solver.js';
import { loadStrategy, parseStrategyParams } from '../src/strategy/load-strategy.js';
import type { LpSolver } from '../src/strategy/lp-solver.js';
import { ETH_VAULT_FILE, SOL_VAULT_FILE } from './support/core-fixtures.js';
import { day, grow, scenarioRows, syntheticVault, type Scenario } from './support/synthetic-vault.js';

const STRATEGIES = ['risk-adjusted', 'lst-conservative', 'hold', 'chase-apy'] as const;
let lp: LpSolver;
let strategySolver: LpSolver;
beforeAll(async () => {
  lp = await loadHighsSolver({ presolve: true, method: 'ipm' });
  strategySolver = await loadHighsSolver();
});

/** Every shipped strategy's and the in-limits benchmark's net APY on one dataset, with its ceiling. */
async function captures(v: LoadedVault, rows: readonly Observation[], from: number, to: number, step: number): Promise<{ ceiling: CeilingResult; apys: Record<string, number>; breaches: number }> {
  const path = ceilingPath(v, rows, from, to, step);
  const ceiling = foresightCeiling(v, rows, from, to, step, lp, ALL_LIMITS, path);
  const apys: Record<string, number> = {};
  let breaches = 0;
  for (const name of STRATEGIES) {
    const s = await loadStrategy(name);
    const params = parseStrategyParams(s, name === v.config.strategy.name ? v.config.strategy.params : {}, v.file);
    const r = simulate({ vault: v, strategy: s, params, solver: strategySolver, rows, from, to, step });
    const m = computeMetrics(r);
    apys[name] = m.netApy;
    breaches += m.limitBreaches;
  }
  if (v.config.benchmark) apys['in-limits hold'] = inLimitsHold(path, v.config.benchmark).netApy;
  return { ceiling, apys, breaches };
}

function expectUnderCeiling(c: { ceiling: CeilingResult; apys: Record<string, number> }): void {
  for (const [name, apy] of Object.entries(c.apys)) {
    expect(Number.isFinite(apy), name).toBe(true);
    // capture ≤ 1, with room only for the solver's tolerance
    expect(apy, `${name} ${apy} vs ceiling ${c.ceiling.netApy}`).toBeLessThanOrEqual(c.ceiling.netApy + 1e-6);
  }
}

describe('the foresight ceiling is a ceiling: capture ≤ 1 for every strategy and baseline', () => {
  for (const [label, file] of [['ethereum', ETH_VAULT_FILE], ['solana', SOL_VAULT_FILE]] as const) {
    it(`bundled ${label} history, the vault's whole window`, async () => {
      const v = loadVault(file);
      const rows = readHistoryFile(v.paths.history!);
      const c = await captures(v, rows, parseTime(v.config.schedule.from!), parseTime(v.config.schedule.to!), parseDuration(v.config.schedule.step));
      expectUnderCeiling(c);
      expect(c.ceiling.netApy).toBeGreaterThan(Math.max(...Object.values(c.apys)));
    }, 300_000);
  }

  const scenarios: Record<string, Scenario> = {
    'liquidity depeg that recovers': (n) => ({ TOK: { fair: grow(n, 0.04), discount: n >= 30 && n < 60 ? 0.03 : 0.001 }, NOQ: { fair: grow(n, 0.05), discount: n >= 30 && n < 60 ? 0.03 : 0.001 } }),
    'impairment led by the market': (n) => ({ TOK: { fair: grow(n, 0.04, 0.2, 37), discount: n < 30 ? 0.001 : n < 37 ? 0.12 : 0.02 }, NOQ: { fair: grow(n, 0.05, 0.2, 37), discount: n < 30 ? 0.001 : n < 37 ? 0.12 : 0.02 } }),
    'stored rate stops updating': (n) => ({ TOK: { fair: grow(n, 0.04), discount: 0.002, stuck: n >= 40 }, NOQ: { fair: grow(n, 0.05), discount: 0.001 } }),
    'queue lengthens': (n) => ({ TOK: { fair: grow(n, 0.04), discount: n >= 30 && n < 60 ? 0.03 : 0.001, queueDays: n >= 25 ? 45 : 7 }, NOQ: { fair: grow(n, 0.05), discount: 0.001 } }),
    'calm, noisy market': (n) => ({ TOK: { fair: grow(n, 0.035), discount: 0.002 * Math.sin(n * 1.7) }, NOQ: { fair: grow(n, 0.06), discount: 0.003 * Math.cos(n * 0.9) } }),
  };
  for (const [name, s] of Object.entries(scenarios)) {
    it(`synthetic: ${name}`, async () => {
      const rows = scenarioRows(s);
      for (const holdings of [{ ETH: 100 }, { ETH: 20, TOK: 40, NOQ: 40 }] as Array<Record<string, number>>) {
        const v = syntheticVault({ holdings, strategy: 'risk-adjusted' });
        expectUnderCeiling(await captures(v, rows, day(10), day(120), DAY));
      }
    }, 180_000);
  }
});

describe('in-limits benchmark and what the limits cost', () => {
  it('holds the benchmark up to its binding cap and names the limits that bind it', () => {
    const v = syntheticVault({ holdings: { ETH: 100 }, strategy: 'hold' });
    const rows = scenarioRows((n) => ({ TOK: { fair: grow(n, 0.04), discount: 0.001 }, NOQ: { fair: grow(n, 0.05), discount: 0.001 } }));
    const b = inLimitsHold(ceilingPath(v, rows, day(10), day(120), DAY), 'TOK');
    expect(b.weight).toBeCloseTo(0.5, 12); // maxWeightPerAsset 0.5
    expect(b.limitCosts.map((c) => c.limit)).toEqual(['per-asset/kind cap on TOK']);
    // about half of TOK's 4 % a year; lifting the cap alone lets it grow to the next binding limit
    expect(b.netApy).toBeGreaterThan(0.015);
    expect(b.netApy).toBeLessThan(0.021);
    const lifted = b.limitCosts[0]!;
    expect(lifted.weight).toBeGreaterThan(0.5);
    expect(lifted.cost).toBeGreaterThan(0);
    // NAV is linear in the weight, so the APY gained is close to proportional to the weight added
    expect(lifted.cost / b.netApy).toBeCloseTo(lifted.weight / 0.5 - 1, 1);
  });

  it('relaxing a limit never lowers the ceiling', async () => {
    const v = syntheticVault({ holdings: { ETH: 100 }, strategy: 'hold' });
    const rows = scenarioRows((n) => ({ TOK: { fair: grow(n, 0.04), discount: 0.001 }, NOQ: { fair: grow(n, 0.06), discount: 0.001 } }));
    const path = ceilingPath(v, rows, day(10), day(120), DAY);
    const all = foresightCeiling(v, rows, day(10), day(120), DAY, lp, ALL_LIMITS, path);
    const noCaps = foresightCeiling(v, rows, day(10), day(120), DAY, lp, { ...ALL_LIMITS, assetCaps: false }, path);
    expect(noCaps.netApy).toBeGreaterThan(all.netApy + 0.001);
    expect(all.netApy).toBeGreaterThan(0.03);
  });
});
