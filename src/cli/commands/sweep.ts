import { basename, join, resolve } from 'node:path';
import { formatTime } from '../../domain/time.js';
import { runSweep } from '../../backtest/run-sweep.js';
import { writeText } from '../../backtest/export-series.js';
import { createProgress } from '../progress-bar.js';
import { projectRoot } from '../paths.js';

export interface SweepCommandOptions {
  config: string;
  strategy?: string;
  grid: string[];
  folds: number;
  workers?: number;
  step?: string;
  from?: string;
  to?: string;
  out?: string;
}

const pct = (x: number) => `${(x * 100).toFixed(3)}%`;

/**
 * `restake-keeper sweep`: a strategy's parameters over a grid on every core, chosen walk-forward: each
 * fold picks the combination best on its training window and is judged on the window after it. The
 * out-of-sample figure chains those test windows only.
 */
export async function sweepCommand(o: SweepCommandOptions, out: (l: string) => void): Promise<number> {
  let progress: ReturnType<typeof createProgress> | undefined;
  const r = await runSweep({
    vaultPath: o.config,
    strategy: o.strategy,
    grid: o.grid,
    folds: o.folds,
    workers: o.workers,
    step: o.step,
    from: o.from,
    to: o.to,
    onProgress: (done, total) => {
      progress ??= createProgress(total, 'sweep');
      progress.update(done);
    },
  });
  progress?.done();
  const label = (i: number) => r.combos[i]?.label ?? String(i);
  out(`sweep of ${r.strategy} on ${r.vault}: ${r.combos.length} combinations × ${r.folds.length} walk-forward folds, ${formatTime(r.window.from)} → ${formatTime(r.window.to)}; ${r.execution.jobs} jobs on ${r.execution.workers} worker thread(s) in ${(r.execution.elapsedMs / 1000).toFixed(1)} s`);
  out('fold  train window                 test window                  chosen on train                       train APY   test APY   (best on test, hindsight)');
  for (const f of r.perFold) {
    const fold = r.folds[f.fold];
    if (!fold) continue;
    out(`${String(f.fold + 1).padStart(4)}  ${formatTime(fold.train.from).slice(0, 10)} → ${formatTime(fold.train.to).slice(0, 10)}   ${formatTime(fold.test.from).slice(0, 10)} → ${formatTime(fold.test.to).slice(0, 10)}   ${label(f.chosen).padEnd(36)}  ${pct(f.train.netApy).padStart(9)}  ${pct(f.test.netApy).padStart(9)}   (${label(f.testBest)})`);
  }
  const oos = r.outOfSample;
  out(`out-of-sample (test windows only, chained): net APY ${pct(oos.netApy)} over ${oos.years.toFixed(2)} years, worst drawdown ${pct(oos.worstDrawdown)}; in-sample APY of the same choices ${pct(oos.inSampleNetApy)}`);
  out('rank  combination                           mean test APY  chained test APY  mean test DD  chosen');
  for (const k of r.ranking) {
    out(`${String(k.rank).padStart(4)}  ${label(k.combo).padEnd(36)}  ${pct(k.meanTestNetApy).padStart(13)}  ${pct(k.chainedTestNetApy).padStart(16)}  ${pct(k.meanTestMaxDrawdown).padStart(12)}  ${k.timesChosen}`);
  }
  const dir = resolve(o.out ?? join(projectRoot(), 'var', 'sweeps', `${safeName(r.vault)}-${safeName(r.strategy)}-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  writeText(join(dir, 'sweep.json'), `${JSON.stringify(r, null, 1)}\n`);
  out(`results: ${join(dir, 'sweep.json')}`);
  return 0;
}

/** One path segment from a name that may be a file path ("config/vaults/x.yaml" → "x"): output stays in var/sweeps/. */
export function safeName(name: string): string {
  return basename(name).replace(/\.(ya?ml|json)$/i, '').replace(/[^\w.-]+/g, '-').replace(/^[.-]+/, '') || 'vault';
}
