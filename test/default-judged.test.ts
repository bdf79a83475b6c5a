import { beforeAll, describe, expect, it } from 'vitest';
import { ceilingPath } from '../src/backtest/ceiling-path.js';
import { inLimitsHold } from '../src/backtest/in-limits-benchmark.js';
import { computeMetrics } from '../src/backtest/metrics.js';
import { simulate, type BacktestResult } from '../src/backtest/simulate.js';
import { walkForwardFolds } from '../src/backtest/walk-forward.js';
import { loadVault, type LoadedVault } from '../src/config/load-vault.js';
import type { Observation } from '../src/domain/observation.js';
import { parseDuration, parseTime } from '../src/domain/time.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { loadSolver } from '../src/strategy/load-solver.js';
import { loadStrategy, parseStrategyParams } from '../src/strategy/load-strategy.js';
import type { LpSolver } from '../src/strategy/lp-solver.js';
import type { Strategy } from '../src/strategy/strategy.js';
import { ETH_VAULT_FILE, SOL_VAULT_FILE } from './support/core-fixtures.js';

/**
 * Issue 10: the default strategy, with the vault's walk-forward-chosen params, must beat the in-limits
 * buy-and-hold and chase-apy after costs with zero limit breaches, on both bundled histories and every
 * walk-forward test window (4 folds). One window cannot be won and the test says why instead of bending:
 * on eth-restaking's third test window (Mar–Jun 2025) the limits pin both strategies to the same
 * allocation (weETH at the LRT cap, aave-v3-wstETH, wstETH and aave-v3-WETH at what the caps and the
 * liquidity floor leave), with no depeg or loss in the window, so they earn the same to 1e-10.
 */
let solver: LpSolver;
let chase: Strategy<unknown>;
beforeAll(async () => {
  solver = await loadSolver('yalps');
  chase = await loadStrategy('chase-apy');
});

async function judge(v: LoadedVault, rows: readonly Observation[], from: number, to: number) {
  const step = parseDuration(v.config.schedule.step);
  const def = await loadStrategy(v.config.strategy.name);
  const run = (s: Strategy<unknown>, params: unknown): BacktestResult => simulate({ vault: v, strategy: s, params, solver, rows, from, to, step });
  const d = run(def, parseStrategyParams(def, v.config.strategy.params, v.file));
  const c = run(chase, parseStrategyParams(chase, {}, v.file));
  const hold = inLimitsHold(ceilingPath(v, rows, from, to, step), v.config.benchmark as string);
  return { d, c, dm: computeMetrics(d), cm: computeMetrics(c), hold };
}

const sameAllocation = (a: BacktestResult, b: BacktestResult) => a.steps.every((s, k) => Object.entries(s.weights).every(([id, w]) => Math.abs(w - (b.steps[k]?.weights[id] ?? 0)) < 1e-6));

describe('the default strategy, judged fairly on the bundled histories', () => {
  for (const [label, file, tie] of [['eth-restaking', ETH_VAULT_FILE, [2]], ['sol-staking', SOL_VAULT_FILE, []]] as const) {
    it(`${label}: beats chase-apy and the in-limits hold on the whole window and every walk-forward test window, zero breaches`, async () => {
      const v = loadVault(file);
      const rows = readHistoryFile(v.paths.history!);
      const from = parseTime(v.config.schedule.from!);
      const to = parseTime(v.config.schedule.to!);
      const folds = walkForwardFolds({ from, to, step: parseDuration(v.config.schedule.step), folds: 4 });
      const windows = [{ k: -1, from, to }, ...folds.map((f) => ({ k: f.index, from: f.test.from, to: f.test.to }))];
      for (const w of windows) {
        const { d, c, dm, cm, hold } = await judge(v, rows, w.from, w.to);
        expect(dm.limitBreaches).toBe(0);
        expect(dm.netApy, `window ${w.k}`).toBeGreaterThan(hold.netApy + 0.005);
        if ((tie as readonly number[]).includes(w.k)) {
          // cannot win: the same allocation throughout, so the same return
          expect(sameAllocation(d, c)).toBe(true);
          expect(Math.abs(dm.netApy - cm.netApy)).toBeLessThan(1e-9);
        } else {
          expect(dm.netApy, `window ${w.k}: ${dm.netApy} vs chase ${cm.netApy}`).toBeGreaterThan(cm.netApy + 0.0005);
        }
      }
    }, 300_000);
  }
});
