import { openRunJournal } from '../run-journal.js';
import { formatTime, parseTime } from '../../domain/time.js';
import { formatCycleLine, type CycleReport } from '../../keeper/cycle-report.js';
import { Keeper } from '../../keeper/keeper.js';
import { onSchedule } from '../schedule-loop.js';
import { StopSignal, yieldToEvents } from '../stop-signal.js';
import { EXIT } from '../exit-codes.js';
import { formatSummary, summarize } from '../../keeper/run-summary.js';
import { attachAlerts, prepare, replaySource, replayWindow, type CommonOptions } from '../prepare.js';
import { executorFor, executorKind, type ExecutorFlags } from '../../chains/executor-factory.js';

export interface RunOptions extends CommonOptions, ExecutorFlags {
  cron?: string;
  quiet?: boolean;
  maxCycles?: number;
  /** Run one cycle only (the `once` command). */
  once?: boolean;
  at?: string;
  /** Start over from the initial holdings: an existing journal is kept, renamed aside, never deleted. */
  fresh?: boolean;
}

/**
 * Paper mode over recorded history. Without --cron it steps through recorded time as fast as it can;
 * with --cron each tick of the schedule advances one step, and a tick that lands while a cycle is still
 * running is skipped and journaled.
 */
export async function runCommand(o: RunOptions, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const kind = executorKind(o);
  const p = await prepare(o);
  const source = replaySource(p.vault);
  const window = replayWindow(p.vault, source, o);
  const journal = openRunJournal(p, { command: o.once ? 'once' : 'run', feed: 'recorded', executor: kind, explicitJournal: o.journal !== undefined, fresh: o.fresh }, out);
  const alerts = attachAlerts(journal, p.vault, p.log);
  const vaultName = p.vault.config.name;
  const lastDecision = journal.lastDecisionTime(vaultName);
  const atOverride = o.at ? parseTime(o.at) : undefined;
  let t = atOverride ?? (lastDecision === undefined ? window.from : lastDecision + window.step);
  if (lastDecision !== undefined && t <= lastDecision) {
    out(`the journal already has a decision at ${formatTime(lastDecision)}; decisions move forward in time (choose a later --at or another --journal)`);
    journal.close();
    return 2;
  }
  // A decision a crash interrupted is owed even when the period is over (unfinished, or closed and not yet redone).
  const owed = journal.unfinishedCycles().length > 0 || journal.redo.pendingRedo(vaultName) !== undefined;
  if (t > window.to && !owed) {
    out(`nothing to do: the journal ${p.journalPath} already reaches ${formatTime(lastDecision ?? t)}, the end of the period (${formatTime(window.to)}). Use --journal <new file> for a fresh run.`);
    journal.close();
    return 0;
  }
  let clockNow = t;
  let keeper: Keeper;
  let mode: string;
  try {
    const chosen = await executorFor(kind, p.vault, journal, { live: o.live === true, log: p.log }, 'paper');
    mode = chosen.mode;
    keeper = await Keeper.startReconciled(
      { vault: p.vault, strategy: p.strategy, params: p.params, solver: p.solver, source, executor: chosen.executor, journal, mode, log: p.log, clock: () => clockNow },
      t,
    );
  } catch (e) {
    await alerts.flush();
    journal.close();
    throw e;
  }
  const base = p.vault.universe;
  const reports: CycleReport[] = [];
  const line = (r: CycleReport) => {
    if (!o.quiet) out(formatCycleLine(r, base.baseAsset, base.baseDecimals));
  };
  if (!o.quiet) out(`restake-keeper ${mode === 'paper' ? 'paper' : mode} run over recorded data: vault ${vaultName}, strategy ${p.strategy.name}, ${formatTime(t)} → ${formatTime(o.once ? t : window.to)} every ${p.vault.config.schedule.step}, journal ${p.journalPath}`);

  const stop = new StopSignal();
  const step = async () => {
    clockNow = t;
    const r = await keeper.runCycle(t);
    reports.push(r);
    line(r);
    t += window.step;
  };
  const more = () => t <= window.to && !(o.maxCycles !== undefined && reports.length >= o.maxCycles);
  try {
    for (const r of await keeper.redoInterrupted()) {
      reports.push(r);
      line(r);
    }
    if (o.cron) {
      await onSchedule(
        o.cron,
        async () => {
          if (!more()) return false;
          await step();
          return more();
        },
        () => {
          p.log.warn('tick skipped: previous cycle still running');
          journal.recordEvent({ at: Date.now(), kind: 'tick-skipped', severity: 'warn', message: 'a scheduled tick arrived while the previous cycle was still running; skipped' });
        },
        stop,
      );
    } else {
      while (!stop.stopped && more()) {
        await step();
        if (o.once) break;
        await yieldToEvents();
      }
    }
  } finally {
    stop.dispose();
    await alerts.flush();
    journal.close();
  }
  // Start NAV: every holding valued at the first cycle's readings, before its trades.
  if (stop.stopped) out(`stopped by a signal after ${reports.length} cycle${reports.length === 1 ? '' : 's'}; the journal is closed and resumes after ${reports.at(-1) ? formatTime(reports.at(-1)!.time) : 'its last decision'}`);
  const summary = summarize(reports, reports[0]?.navBefore ?? reports[0]?.navBase ?? 0n);
  if (summary && !o.once) out(formatSummary(summary, base.baseAsset, base.baseDecimals, p.journalPath));
  return stop.exitCode(o.once && reports.some((r) => r.status === 'failed') ? EXIT.failed : EXIT.ok);
}
