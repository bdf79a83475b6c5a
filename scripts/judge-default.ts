/**
 * `node dist/scripts/judge-default.js [vault.yaml …]`: the default strategy judged fairly, as issue 10
 * asks: on each bundled history's whole window and on every walk-forward test window, its net APY
 * after costs against the in-limits buy-and-hold benchmark and chase-apy, and its limit breaches.
 * Bundled history only (never ../shared/evaluation).
 */
import { ceilingPath } from '../src/backtest/ceiling-path.js';
import { inLimitsHold } from '../src/backtest/in-limits-benchmark.js';
import { computeMetrics } from '../src/backtest/metrics.js';
import { simulate } from '../src/backtest/simulate.js';
import { walkForwardFolds } from '../src/backtest/walk-forward.js';
import { loadVault } from '../src/config/load-vault.js';
import { parseDuration, parseTime, formatTime } from '../src/domain/time.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { loadSolver } from '../src/strategy/load-solver.js';
import { loadStrategy, parseStrategyParams } from '../src/strategy/load-strategy.js';

const files = process.argv.slice(2);
const folds = Number(process.env.FOLDS ?? 4);
/** PARAMS='{"turnoverPenalty":0}' judges other defaults over the vault's own params. */
const over = JSON.parse(process.env.PARAMS ?? '{}') as Record<string, unknown>;
for (const file of files.length ? files : ['config/vaults/eth-restaking.yaml', 'config/vaults/sol-staking.yaml']) {
  const v = loadVault(file);
  const rows = readHistoryFile(v.paths.history as string);
  const solver = await loadSolver(v.config.optimizer.solver);
  const step = parseDuration(v.config.schedule.step);
  const from = parseTime(v.config.schedule.from as string);
  const to = parseTime(v.config.schedule.to as string);
  const def = await loadStrategy(v.config.strategy.name);
  const chase = await loadStrategy('chase-apy');
  const windows = [{ label: 'whole', from, to }, ...walkForwardFolds({ from, to, step, folds }).map((f) => ({ label: `fold ${f.index + 1} test`, from: f.test.from, to: f.test.to }))];
  console.log(`\n${v.config.name}: ${v.config.strategy.name} ${JSON.stringify({ ...v.config.strategy.params, ...over })}`);
  console.log('window        from → to                                 default   chase-apy  in-limits hold  breaches  beats both');
  for (const w of windows) {
    const run = (s: typeof def, params: unknown) => computeMetrics(simulate({ vault: v, strategy: s, params, solver, rows, from: w.from, to: w.to, step }));
    const d = run(def, parseStrategyParams(def, { ...v.config.strategy.params, ...over }, v.file));
    const c = run(chase, parseStrategyParams(chase, {}, v.file));
    const h = inLimitsHold(ceilingPath(v, rows, w.from, w.to, step), v.config.benchmark as string);
    const pct = (x: number) => `${(x * 100).toFixed(3)}%`.padStart(9);
    console.log(`${w.label.padEnd(13)} ${formatTime(w.from)} → ${formatTime(w.to)}  ${pct(d.netApy)}  ${pct(c.netApy)}  ${pct(h.netApy).padStart(14)}  ${String(d.limitBreaches).padStart(8)}  ${d.netApy > c.netApy && d.netApy > h.netApy && d.limitBreaches === 0 ? 'yes' : 'NO'}`);
  }
}
