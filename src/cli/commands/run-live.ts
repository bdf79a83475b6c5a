import { runConfigJson } from '../../keeper/run-config.js';
import { formatTime, parseTime } from '../../domain/time.js';
import { ConfigError } from '../../errors.js';
import { formatCycleLine } from '../../keeper/cycle-report.js';
import { Keeper } from '../../keeper/keeper.js';
import { onSchedule } from '../schedule-loop.js';
import { StopSignal, yieldToEvents } from '../stop-signal.js';
import { EXIT } from '../exit-codes.js';
import { recordSample } from '../../keeper/recorder.js';
import { createLiveSource } from '../../sources/live-sources.js';
import { openRunJournal } from '../run-journal.js';
import { ApyReferenceBook } from '../../sources/http/apy-reference.js';
import { attachAlerts, openVaultJournal, prepare, type CommonOptions } from '../prepare.js';
import { executorFor, executorKind, type ExecutorFlags } from '../../chains/executor-factory.js';

export interface LiveOptions extends CommonOptions, ExecutorFlags {
  cron?: string;
  once?: boolean;
  at?: string;
  maxCycles?: number;
  /** Start over from the initial holdings: an existing journal is kept, renamed aside, never deleted. */
  fresh?: boolean;
}

function liveSourceOf(p: Awaited<ReturnType<typeof prepare>>, apyReference: ApyReferenceBook) {
  const cfg = p.vault.config.sources;
  if (!cfg) throw new ConfigError(p.vault.file, [{ where: `${p.vault.file} sources`, value: undefined, expected: 'a sources section (live readers) for the live feed' }]);
  return createLiveSource(cfg, { apyReference });
}

/**
 * Paper mode on the live feed: every configured reader is read at wall-clock time, the keeper decides
 * on what came back (failing closed on a partial read), and the paper executor simulates the plan.
 */
export async function runLiveCommand(o: LiveOptions, out: (l: string) => void): Promise<number> {
  const kind = executorKind(o);
  const p = await prepare(o);
  const apyReference = ApyReferenceBook.forAssets(p.vault.universe.registryAssets.values());
  const source = liveSourceOf(p, apyReference);
  const journal = openRunJournal(p, { command: o.once ? 'once --feed live' : 'run --feed live', feed: 'live', executor: kind, explicitJournal: o.journal !== undefined, fresh: o.fresh }, out);
  const alerts = attachAlerts(journal, p.vault, p.log);
  const u = p.vault.universe;
  const start = o.at ? parseTime(o.at) : Date.now();
  let keeper: Keeper;
  try {
    const { executor, mode } = await executorFor(kind, p.vault, journal, { live: o.live === true, log: p.log }, 'paper-live');
    keeper = await Keeper.startReconciled({ vault: p.vault, strategy: p.strategy, params: p.params, solver: p.solver, source, executor, journal, mode, log: p.log, primeFromJournal: true, apyReference }, start);
  } catch (e) {
    await alerts.flush();
    journal.close();
    throw e;
  }
  let cycles = 0;
  let failedClosed = 0;
  const stop = new StopSignal();
  const one = async (t: number) => {
    const r = await keeper.runCycle(t);
    cycles++;
    if (r.status === 'failed') failedClosed++;
    out(formatCycleLine(r, u.baseAsset, u.baseDecimals));
    for (const timing of source.lastTimings) p.log.info(timing, 'source read');
  };
  try {
    for (const r of await keeper.redoInterrupted()) out(formatCycleLine(r, u.baseAsset, u.baseDecimals));
    if (o.once || !o.cron) await one(start);
    else {
      out(`restake-keeper live paper run: vault ${p.vault.config.name}, strategy ${p.strategy.name}, schedule "${o.cron}", journal ${p.journalPath}`);
      await onSchedule(
        o.cron,
        async () => {
          if (o.maxCycles !== undefined && cycles >= o.maxCycles) return false;
          await one(Date.now());
          return true;
        },
        () => journal.recordEvent({ at: Date.now(), kind: 'tick-skipped', severity: 'warn', message: 'a scheduled tick arrived while the previous cycle was still running; skipped' }),
        stop,
      );
    }
  } finally {
    stop.dispose();
    await alerts.flush();
    journal.close();
  }
  // One cycle that failed closed is a failure cron and systemd must see; a schedule keeps going through them.
  return stop.exitCode(failedClosed > 0 && (o.once || !o.cron) ? EXIT.failed : EXIT.ok);
}

export interface RecordOptions extends CommonOptions {
  cron?: string;
  samples?: number;
}

/** `restake-keeper record`: sample every configured source on a schedule and append the readings to the journal. */
export async function recordCommand(o: RecordOptions, out: (l: string) => void): Promise<number> {
  const p = await prepare(o);
  // The recorder keeps raw readings (no market view to cross-check against); the keeper's gate judges them when they are used.
  const source = liveSourceOf(p, new ApyReferenceBook(new Set()));
  const journal = openVaultJournal(p.journalPath, 'record');
  const alerts = attachAlerts(journal, p.vault, p.log);
  const runId = journal.startRun({ at: Date.now(), mode: 'record', vault: p.vault.config.name, configHash: p.vault.hash, configJson: runConfigJson(p.vault.config, p.strategy.name, p.params) });
  let n = 0;
  const stop = new StopSignal();
  const sample = async () => {
    const now = Date.now();
    const r = await recordSample(journal, runId, source, now);
    n++;
    out(`${formatTime(now)} sample #${r.cycleId}: ${r.readings} readings of ${r.assets} assets${r.failures.length ? `; ${r.failures.length} failed: ${r.failures.map((f) => `${f.source} (${f.message})`).join('; ')}` : ''}`);
  };
  try {
    if (!o.cron) {
      for (let k = 0; k < (o.samples ?? 1) && !stop.stopped; k++) {
        await sample();
        await yieldToEvents();
      }
    } else {
      out(`recording ${p.vault.config.name} on "${o.cron}" into ${p.journalPath}`);
      await onSchedule(
        o.cron,
        async () => {
          if (o.samples !== undefined && n >= o.samples) return false;
          await sample();
          return true;
        },
        () => journal.recordEvent({ at: Date.now(), kind: 'tick-skipped', severity: 'warn', message: 'a recorder tick arrived while the previous sample was still being read; skipped' }),
        stop,
      );
    }
  } finally {
    stop.dispose();
    await alerts.flush();
    journal.close();
  }
  return stop.exitCode(EXIT.ok);
}
