import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadVault } from '../config/load-vault.js';
import { formatTime, parseDuration } from '../domain/time.js';
import { ConfigError, KeeperError } from '../errors.js';
import { replayWindow } from '../cli/prepare.js';
import { readHistoryFile } from '../sources/recorded/history-file.js';
import { ReplaySource } from '../sources/recorded/replay-source.js';
import { loadStrategy } from '../strategy/load-strategy.js';
import type { BacktestMetrics } from './metrics.js';
import { buildParamGrid, type ParamCombo } from './param-grid.js';
import { SWEEP_WORKER_KIND, type SweepJobMessage, type SweepWorkerData, type SweepWorkerReply } from './sweep-worker.js';
import { rankWalkForward, walkForwardFolds, type ComboRank, type Fold, type FoldChoice, type OutOfSample, type TimeWindow } from './walk-forward.js';

/**
 * Parameter sweeps on a pool of worker threads, ranked walk-forward.
 *
 * Workers are started from the compiled file next to this module (new URL('./sweep-worker.js',
 * import.meta.url)), so the pool runs from dist/ only: under vitest this module is TypeScript source
 * with no sweep-worker.js beside it, and Node cannot start a .ts worker without a loader (none is a
 * dependency). sweepWorkerUrl() says so plainly; the pool's tests import dist/ (npm test builds first).
 */

// ---------------------------------------------------------------------------------------------------
// the pool

export interface PoolJob {
  readonly params: unknown;
  readonly from: number;
  readonly to: number;
  readonly step: number;
  /** Ascending window ends in (from, to]; the job's result has one metrics object per cut. */
  readonly cuts: readonly number[];
  /** For error messages, e.g. the combination's label. */
  readonly label?: string | undefined;
}

export interface PoolResult {
  readonly metrics: BacktestMetrics[];
  /** The worker thread that ran the job. */
  readonly threadId: number;
  readonly ms: number;
}

export interface PoolOptions {
  /** Path of the vault config (made absolute here). */
  readonly vaultPath: string;
  readonly strategy: string;
  /** Pool size; default os.availableParallelism(). Never more than the number of jobs, never below 1. */
  readonly workers?: number | undefined;
  /** Decision steps done so far / in all jobs. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** Called as each worker thread exits (all have, before the promise settles); for diagnostics and tests. */
  readonly onWorkerExit?: ((threadId: number, code: number) => void) | undefined;
}

/** A job that failed in a worker (or whose worker died); `job` is the job as submitted. */
export class SweepJobError extends KeeperError {
  constructor(
    message: string,
    readonly job: PoolJob & { readonly index: number },
    readonly workerStack?: string,
  ) {
    super(message, { job });
  }
}

export function sweepWorkerUrl(): URL {
  const url = new URL('./sweep-worker.js', import.meta.url);
  const path = fileURLToPath(url);
  if (!existsSync(path)) {
    throw new KeeperError(
      `sweep worker ${path} does not exist: worker threads run the compiled JavaScript, so build first (npm run build) and run the sweep from dist/ (tests import dist/src/backtest/run-sweep.js)`,
      { path },
    );
  }
  return url;
}

/** Threads a pool of `workers` (default os.availableParallelism()) uses for `jobs` jobs: 1 ≤ size ≤ jobs. */
export function poolSize(workers: number | undefined, jobs: number): number {
  const want = workers === undefined || !Number.isFinite(workers) ? availableParallelism() : Math.floor(workers);
  return Math.max(1, Math.min(want, jobs));
}

export function stepsIn(from: number, to: number, step: number): number {
  return Math.max(0, Math.floor((to - from) / step) + 1);
}

function describeJob(j: PoolJob, index: number): string {
  return `sweep job ${index}${j.label ? ` (${j.label})` : ''} over ${formatTime(j.from)} → ${formatTime(j.to)}`;
}

/**
 * Runs the jobs on a pool of worker threads and returns their results in the order of `jobs`, however
 * they complete. Longest jobs are handed out first (a worker takes the next one when it finishes). The
 * first failure rejects with a SweepJobError naming the job; all workers are terminated before the
 * promise settles, on success or failure.
 */
export async function runSweepJobs(jobs: readonly PoolJob[], o: PoolOptions): Promise<PoolResult[]> {
  if (jobs.length === 0) return [];
  const url = sweepWorkerUrl();
  const size = poolSize(o.workers, jobs.length);
  const data: SweepWorkerData = { kind: SWEEP_WORKER_KIND, vaultPath: resolve(o.vaultPath), strategy: o.strategy };
  const order = jobs.map((j, i) => ({ i, cost: stepsIn(j.from, j.to, j.step) })).sort((a, b) => b.cost - a.cost || a.i - b.i);
  const totalSteps = order.reduce((s, x) => s + x.cost, 0);

  return new Promise<PoolResult[]>((resolvePromise, rejectPromise) => {
    const results: Array<PoolResult | undefined> = new Array(jobs.length);
    const workers: Worker[] = [];
    const inFlight = new Map<Worker, number>();
    let next = 0;
    let finished = 0;
    let doneSteps = 0;
    let settled = false;

    const settle = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      void Promise.allSettled(workers.map((w) => w.terminate())).then(() => {
        if (err) rejectPromise(err);
        else resolvePromise(results as PoolResult[]);
      });
    };
    const jobError = (index: number | undefined, why: string, stack?: string): Error => {
      if (index === undefined) return new KeeperError(`sweep worker failed outside a job: ${why}`);
      const job = jobs[index] as PoolJob;
      return new SweepJobError(`${describeJob(job, index)} failed: ${why}`, { ...job, index }, stack);
    };
    const dispatch = (w: Worker) => {
      const entry = order[next];
      if (!entry) return;
      next++;
      const j = jobs[entry.i] as PoolJob;
      inFlight.set(w, entry.i);
      const msg: SweepJobMessage = { type: 'job', id: entry.i, params: j.params, from: j.from, to: j.to, step: j.step, cuts: [...j.cuts] };
      w.postMessage(msg);
    };

    for (let k = 0; k < size; k++) {
      let w: Worker;
      try {
        w = new Worker(url, { workerData: data });
      } catch (e) {
        settle(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      workers.push(w);
      w.on('message', (m: SweepWorkerReply) => {
        if (settled) return;
        if (m.type === 'progress') {
          doneSteps += m.steps;
          try {
            o.onProgress?.(Math.min(doneSteps, totalSteps), totalSteps);
          } catch (e) {
            settle(e instanceof Error ? e : new Error(String(e)));
          }
        } else if (m.type === 'error') {
          settle(jobError(m.id, `${m.name}: ${m.message}`, m.stack));
        } else {
          results[m.id] = { metrics: m.metrics, threadId: m.threadId, ms: m.ms };
          inFlight.delete(w);
          finished++;
          if (finished === jobs.length) settle(undefined);
          else dispatch(w);
        }
      });
      w.on('error', (e: unknown) => settle(jobError(inFlight.get(w), e instanceof Error ? e.message : String(e), e instanceof Error ? e.stack : undefined)));
      const tid = w.threadId;
      w.on('exit', (code) => {
        o.onWorkerExit?.(tid, code);
        if (!settled) settle(jobError(inFlight.get(w), `worker thread exited (code ${code}) before finishing`));
      });
      dispatch(w);
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// the sweep

export interface SweepOptions {
  readonly vaultPath: string;
  /** Strategy name; default the vault's. The vault's params are the base only for its own strategy. */
  readonly strategy?: string | undefined;
  /** Axis specs, e.g. ["riskAversion=0.5,1,2", "turnoverPenalty=0:0.004:0.002"]. */
  readonly grid: readonly string[];
  readonly folds: number;
  /** Decision step: a duration ("1d", "7d") or ms; default the vault's schedule.step. */
  readonly step?: string | number | undefined;
  /** Replay window bounds (ISO-8601); default the vault's schedule, else the history's span. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly workers?: number | undefined;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface SweepRow {
  readonly combo: number;
  readonly fold: number;
  readonly role: 'train' | 'test';
  readonly window: TimeWindow;
  readonly metrics: BacktestMetrics;
}

export interface SweepResult {
  readonly vault: string;
  readonly strategy: string;
  readonly window: { readonly from: number; readonly to: number; readonly step: number };
  readonly combos: Array<ParamCombo<unknown>>;
  readonly folds: Fold[];
  /** Every (combination, fold, role), ordered by combination, then fold, train before test. */
  readonly rows: SweepRow[];
  /** Per fold: the params chosen on the training window and their test-window performance. */
  readonly perFold: Array<FoldChoice<BacktestMetrics>>;
  /** The chosen params' test windows chained: the out-of-sample result of the walk-forward. */
  readonly outOfSample: OutOfSample;
  /** Every combination by mean test-window net APY (descriptive; see rankWalkForward). */
  readonly ranking: ComboRank[];
  /** How it ran; the only part that differs between identical runs. */
  readonly execution: {
    /** Threads started. */
    readonly poolSize: number;
    /** Distinct threads that ran at least one job. */
    readonly workers: number;
    /** The worker thread of each job, in job order. */
    readonly threadIds: number[];
    readonly jobs: number;
    readonly steps: number;
    readonly elapsedMs: number;
  };
}

function parseStep(step: string | number | undefined, fallback: string): number {
  const ms = typeof step === 'number' ? step : parseDuration(step ?? fallback);
  if (!(ms > 0) || !Number.isFinite(ms)) throw new ConfigError('--step', [{ where: '--step', value: step, expected: 'a positive duration such as 1d or 7d' }]);
  return ms;
}

/**
 * Sweeps a strategy's params over a grid and ranks them walk-forward. Everything is validated on the
 * main thread before a worker starts (vault, strategy, every grid value, the folds). Per combination
 * the jobs are one run over the anchored training span [from, last train end] cut at every fold's
 * train end, plus one run per fold's test window, each starting from the vault's initial holdings.
 */
export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  const vault = loadVault(o.vaultPath);
  const name = o.strategy ?? vault.config.strategy.name;
  const strategy = await loadStrategy(name);
  const base = name === vault.config.strategy.name ? (vault.config.strategy.params as Record<string, unknown>) : {};
  const combos = buildParamGrid(strategy, o.grid, base);
  if (!vault.paths.history) throw new ConfigError(vault.file, [{ where: `${vault.file} history`, value: undefined, expected: 'a recorded-history file to backtest over' }]);
  const w = replayWindow(vault, new ReplaySource(readHistoryFile(vault.paths.history)), { from: o.from, to: o.to });
  const step = parseStep(o.step, vault.config.schedule.step);
  let folds: Fold[];
  try {
    folds = walkForwardFolds({ from: w.from, to: w.to, step, folds: o.folds });
  } catch (e) {
    throw new ConfigError('--folds', [{ where: '--folds', value: o.folds, expected: (e as Error).message }]);
  }
  const trainEnds = folds.map((f) => f.train.to);
  const trainTo = trainEnds[trainEnds.length - 1] as number;

  interface Slot { readonly combo: number; readonly fold: number; readonly role: 'train' | 'test'; readonly window: TimeWindow; readonly job: number; readonly cut: number }
  const jobs: PoolJob[] = [];
  const slots: Slot[] = [];
  for (const c of combos) {
    const trainJob = jobs.push({ params: c.params, from: w.from, to: trainTo, step, cuts: trainEnds, label: `${c.label}, training` }) - 1;
    for (const f of folds) {
      const testJob = jobs.push({ params: c.params, from: f.test.from, to: f.test.to, step, cuts: [f.test.to], label: `${c.label}, fold ${f.index} test` }) - 1;
      slots.push({ combo: c.index, fold: f.index, role: 'train', window: f.train, job: trainJob, cut: f.index });
      slots.push({ combo: c.index, fold: f.index, role: 'test', window: f.test, job: testJob, cut: 0 });
    }
  }
  const out = await runSweepJobs(jobs, { vaultPath: vault.file, strategy: name, workers: o.workers, onProgress: o.onProgress });
  const rows: SweepRow[] = slots.map((s) => ({ combo: s.combo, fold: s.fold, role: s.role, window: s.window, metrics: (out[s.job] as PoolResult).metrics[s.cut] as BacktestMetrics }));
  const ranked = rankWalkForward(rows);
  const threadIds = out.map((r) => r.threadId);
  return {
    vault: vault.file,
    strategy: name,
    window: { from: w.from, to: w.to, step },
    combos,
    folds,
    rows,
    perFold: ranked.perFold,
    outOfSample: ranked.outOfSample,
    ranking: ranked.ranking,
    execution: {
      poolSize: poolSize(o.workers, jobs.length),
      workers: new Set(threadIds).size,
      threadIds,
      jobs: jobs.length,
      steps: jobs.reduce((s, j) => s + stepsIn(j.from, j.to, j.step), 0),
      elapsedMs: performance.now() - started,
    },
  };
}
