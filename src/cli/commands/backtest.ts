import { operatorInputFromBacktest } from '../../report/backtest-operator.js';
import { operatorView } from '../../report/operator-view.js';
import { join, resolve } from 'node:path';
import { formatTime } from '../../domain/time.js';
import { compareStrategies, type Contender } from '../../backtest/compare.js';
import { cachedCeiling } from '../ceiling-cache.js';
import { allocationCsv, resultsCsv, seriesCsv, writeText } from '../../backtest/export-series.js';
import { writeReport } from '../../report/write-report.js';
import { loadStrategy, parseStrategyParams } from '../../strategy/load-strategy.js';
import { readHistoryFile } from '../../sources/recorded/history-file.js';
import { ReplaySource } from '../../sources/recorded/replay-source.js';
import { createProgress } from '../progress-bar.js';
import { prepare, replayWindow, type CommonOptions } from '../prepare.js';
import { packageVersion, projectRoot } from '../paths.js';
import type { ReportSeries } from '../../report/report-model.js';

export interface BacktestOptions extends CommonOptions {
  /** Strategies to compare; the first is the primary. */
  strategies: string[];
  out?: string;
  lookahead: number;
  baselines: boolean;
}

const pct = (x: number | undefined, d = 3) => (x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(d)}%`);

export function formatResultsTable(series: readonly ReportSeries[]): string[] {
  const head = ['series', 'kind', 'net APY', 'gross APY', 'cost drag', 'max DD', 'capture', 'turnover/yr', 'actions', 'exp.loss', 'breakers', 'breaches'];
  // A series the data cannot measure (a benchmark with no recorded price) says so, never 0 % or a blank.
  const NM = 'not measurable';
  const rows = series.map((s) => [
    s.name,
    s.kind,
    s.noData ? NM : pct(s.netApy),
    pct(s.metrics?.grossApy),
    pct(s.metrics?.costDrag),
    s.noData && !Number.isFinite(s.maxDrawdown) ? NM : pct(s.maxDrawdown),
    s.captureRatio === undefined ? (s.noData ? NM : '—') : s.captureRatio.toFixed(3),
    s.metrics ? s.metrics.turnover.toFixed(2) : '—',
    s.metrics ? String(s.metrics.actions) : '—',
    pct(s.metrics?.expectedLoss),
    s.metrics ? String(s.metrics.breakerEvents) : '—',
    s.metrics ? String(s.metrics.limitBreaches) : '—',
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((x, c) => (c < 2 ? x.padEnd(widths[c] ?? 0) : x.padStart(widths[c] ?? 0))).join('  ');
  const why = series.filter((s) => s.noData).map((s) => `${s.name}: ${NM}: ${s.noDataWhy ?? 'no data in the period'} (not 0 %)`);
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line), ...why];
}

/**
 * `restake-keeper backtest`: the given strategies, the chase-APY baseline, the buy-and-hold benchmark
 * and the foresight ceiling over one period, through the keeper's own decision path; prints the table,
 * writes report.html and the series as CSV/JSON.
 */
export async function backtestCommand(o: BacktestOptions, out: (l: string) => void): Promise<number> {
  const names = o.strategies.length ? o.strategies : [];
  const p = await prepare({ ...o, strategy: names[0] });
  const rows = readHistoryFile(p.vault.paths.history ?? '');
  const window = replayWindow(p.vault, new ReplaySource(rows), o);
  const contenders: Contender[] = [{ strategy: p.strategy, params: p.params, kind: 'strategy' }];
  for (const name of names.slice(1)) {
    const s = await loadStrategy(name);
    contenders.push({ strategy: s, params: parseStrategyParams(s, name === p.vault.config.strategy.name ? p.vault.config.strategy.params : {}, p.vault.file), kind: 'strategy' });
  }
  if (o.baselines && !contenders.some((c) => c.strategy.name === 'chase-apy')) {
    const s = await loadStrategy('chase-apy');
    contenders.push({ strategy: s, params: parseStrategyParams(s, {}, p.vault.file), kind: 'baseline' });
  }
  const progress = createProgress(Math.floor((window.to - window.from) / window.step + 1) * (contenders.length + 1), 'backtest');
  const started = performance.now();
  const { ceiling, cached } = await cachedCeiling(projectRoot(), p.vault, rows, window.from, window.to, window.step);
  const r = compareStrategies({ vault: p.vault, rows, solver: p.solver, contenders, from: window.from, to: window.to, step: window.step, lookahead: o.lookahead, onProgress: (d) => progress.update(d), generatedAt: new Date().toISOString(), ceiling });
  progress.done();
  const seconds = (performance.now() - started) / 1000;
  const dir = resolve(o.out ?? join(projectRoot(), 'var', 'backtests', `${p.vault.config.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  // One report: the strategy comparison and the operator sections of the primary run, as `report --journal` shows them.
  const primaryRun = r.runs[0];
  const operator = primaryRun ? operatorView(operatorInputFromBacktest(p.vault, primaryRun.result, r.benchmark, rows, packageVersion())) : undefined;
  writeReport({ ...r.model, operator }, join(dir, 'report.html'));
  writeText(join(dir, 'series.csv'), seriesCsv(r.model));
  writeText(join(dir, 'allocation.csv'), allocationCsv(r.model));
  writeText(join(dir, 'results.csv'), resultsCsv(r.model));
  writeText(join(dir, 'series.json'), `${JSON.stringify(r.model, null, 1)}\n`);
  out(`backtest of ${p.vault.config.name}: ${formatTime(window.from)} → ${formatTime(window.to)} every ${p.vault.config.schedule.step}, ${rows.length} recorded rows, ${seconds.toFixed(1)} s`);
  for (const l of formatResultsTable(r.model.series)) out(l);
  out(`ceiling: whole-path LP, ${ceiling.variables} variables × ${ceiling.constraints} constraints, ${cached ? 'cached for this dataset' : `solved in ${(ceiling.solveMs / 1000).toFixed(1)} s (cached for the next run)`}`);
  if (r.inLimits && !r.inLimits.noData) for (const c of r.inLimits.limitCosts) out(`in-limits hold: the ${c.limit} holds ${r.inLimits.asset} to ${(r.inLimits.weight * 100).toFixed(1)} %; lifted alone (${(c.weight * 100).toFixed(1)} %) it would add ${(c.cost * 100).toFixed(3)} %/yr`);
  for (const run of r.runs) {
    if (run.lookahead) out(`lookahead check ${run.contender.strategy.name}: ${run.lookahead.decisionsCompared} decisions identical with the future removed at ${run.lookahead.checkpoints.length} cut-offs`);
  }
  const breaches = r.runs.reduce((s, x) => s + x.metrics.limitBreaches, 0);
  if (breaches > 0) out(`WARNING: ${breaches} limit breaches in held allocations (see series.json)`);
  out(`report: ${join(dir, 'report.html')}`);
  out(`series: ${join(dir, 'series.csv')}, ${join(dir, 'allocation.csv')}, ${join(dir, 'results.csv')}, ${join(dir, 'series.json')}`);
  return 0;
}

