import { join } from 'node:path';
import { ceilingPath } from '../src/backtest/ceiling-path.js';
import { foresightCeiling } from '../src/backtest/foresight-ceiling.js';
import { loadVault } from '../src/config/load-vault.js';
import { parseDuration, parseTime } from '../src/domain/time.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { loadHighsSolver } from '../src/strategy/highs-solver.js';

/**
 * The foresight ceiling's cost, once per dataset: building the per-step facts (one pass over the
 * history) and solving the whole-path LP with HiGHS (interior point, presolve on). The CLI caches the
 * answer under var/ceilings, so only the first backtest of a dataset pays it.
 */
export async function benchCeiling(root: string): Promise<void> {
  const solver = await loadHighsSolver({ presolve: true, method: 'ipm' });
  console.log('\nforesight ceiling (whole-path LP, computed once per dataset and cached by the CLI)');
  for (const name of ['eth-restaking', 'sol-staking']) {
    const v = loadVault(join(root, 'config', 'vaults', `${name}.yaml`));
    const rows = readHistoryFile(v.paths.history as string);
    const from = parseTime(v.config.schedule.from as string);
    const to = parseTime(v.config.schedule.to as string);
    const step = parseDuration(v.config.schedule.step);
    const t0 = performance.now();
    const path = ceilingPath(v, rows, from, to, step);
    const t1 = performance.now();
    const c = foresightCeiling(v, rows, from, to, step, solver, undefined, path);
    const t2 = performance.now();
    console.log(`  ${name.padEnd(14)} ${path.steps.length} steps, ${c.variables} variables × ${c.constraints} constraints: facts ${(t1 - t0).toFixed(0)} ms, LP ${(t2 - t1).toFixed(0)} ms (solver ${c.solveMs.toFixed(0)} ms), ceiling ${(c.netApy * 100).toFixed(3)} %/yr`);
  }
}
