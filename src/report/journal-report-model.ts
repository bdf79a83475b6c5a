import type Database from 'better-sqlite3';
import type { LoadedVault } from '../config/load-vault.js';
import { journalMetrics } from './journal-metrics.js';
import { journalPrimary } from './journal-primary.js';
import { operatorInputFromJournal, vaultRuns } from './journal-report-data.js';
import { daily, drawdownSeries, maxDrawdown, within } from './operator-series.js';
import { operatorView, type Measured } from './operator-view.js';
import type { ReportModel, ReportSeries } from './report-model.js';

const apy = (m: Measured) => (m === 'not measurable' ? Number.NaN : m);
const depth = (m: Measured) => (m === 'not measurable' ? Number.NaN : -m);
const normalized = (s: ReadonlyArray<readonly [number, number]>) => (s[0] ? s.map(([t, v]) => [t, v / (s[0] as readonly [number, number])[1]] as const) : []);

/**
 * The report from a paper or live journal: the same model a backtest gives, from what the journal kept.
 * What a journal cannot say (the foresight ceiling and baselines need the whole recorded history; a
 * lookahead check needs a replay) is left out and said so in the notes.
 */
export function journalReportModel(db: Database.Database, vault: LoadedVault, o: { codeVersion: string; generatedAt: string }): ReportModel {
  const u = vault.universe;
  const input = operatorInputFromJournal(db, { vault: vault.config.name, baseAsset: u.baseAsset, baseDecimals: u.baseDecimals, benchmark: vault.config.benchmark, codeVersion: o.codeVersion });
  const op = operatorView(input);
  const runs = vaultRuns(db, vault.config.name);
  const primary = journalPrimary(db, u, runs.map((r) => r.id));
  const strategy = op.identity.strategy;
  const from = op.period?.from ?? Number.NaN;
  const to = op.period?.to ?? Number.NaN;
  // The Results row by the backtest's definitions (journal-metrics.ts); what the journal cannot give stays "not measurable".
  const jm = journalMetrics(db, u, runs.map((r) => r.id));
  const netApy: Measured = jm ? (jm.unmeasured.netApy ? 'not measurable' : jm.metrics.netApy) : op.pnl.netApy;
  const series: ReportSeries[] = [{ name: strategy, kind: 'strategy', nav: normalized(input.nav), netApy: apy(netApy), maxDrawdown: depth(maxDrawdown(input.nav)), noData: netApy === 'not measurable', params: op.identity.params, metrics: jm?.metrics, unmeasured: jm?.unmeasured }];
  const b = input.benchmark;
  if (b && op.benchmark) {
    // One point a day: a recorder samples the benchmark far more often than the chart can show.
    const held = op.period ? daily(within(op.benchmark.heldAt === 'market' ? b.market : b.fair, from, to)) : [];
    series.push({ name: `hold ${b.asset}`, kind: 'benchmark', nav: normalized(held), netApy: apy(op.benchmark.apy), maxDrawdown: depth(op.benchmark.maxDrawdown), noData: op.benchmark.apy === 'not measurable', noDataWhy: op.why.benchmark });
  }
  const mode = op.identity.mode;
  return {
    title: `${mode === 'live' ? 'Live' : mode === 'paper' ? 'Paper' : 'Journal'} report: ${vault.config.name}`,
    source: mode,
    vault: vault.config.name,
    chain: vault.config.chain,
    baseAsset: u.baseAsset,
    from,
    to,
    generatedAt: o.generatedAt,
    series,
    primary: { name: strategy, drawdown: drawdownSeries(input.nav), ...primary },
    lookahead: null,
    notes: [
      `From the journal: ${op.identity.runs} run${op.identity.runs === 1 ? '' : 's'} (${mode}), ${op.period?.cycles ?? 0} cycles with a NAV${op.period?.unknownNavCycles ? `, ${op.period.unknownNavCycles} failed closed (NAV unknown, left out)` : ''}.`,
      'The foresight ceiling and the baselines are not measurable from a journal: they replay the whole recorded history (run `backtest` over the same period for them, and for the lookahead check).',
      'NAV is as the keeper valued it after each cycle; fills cost what the executor journaled, in parts where it recorded them.',
    ],
    operator: op,
  };
}
