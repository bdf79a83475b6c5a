import { parentPort, threadId, workerData } from 'node:worker_threads';
import { loadVault, type LoadedVault } from '../config/load-vault.js';
import type { Observation } from '../domain/observation.js';
import { ConfigError } from '../errors.js';
import { readHistoryFile } from '../sources/recorded/history-file.js';
import { loadSolver } from '../strategy/load-solver.js';
import { loadStrategy, parseStrategyParams } from '../strategy/load-strategy.js';
import type { LpSolver } from '../strategy/lp-solver.js';
import type { Strategy } from '../strategy/strategy.js';
import { computeMetrics, type BacktestMetrics } from './metrics.js';
import { simulate, type BacktestResult } from './simulate.js';

/**
 * A sweep worker thread (started by run-sweep.ts from the compiled dist/ file next to it). On start it
 * loads the vault, reads the history file, loads the strategy and HiGHS once; then it runs each job it
 * is sent, one at a time, and posts back only the metrics (no per-step series).
 *
 * A job is one simulate() over [from, to] with `cuts`: window ends at which metrics are taken over
 * the prefix [from, cut]. simulate is prefix-stable (nothing before t depends on `to`), so one run with
 * cuts b1 < b2 < … gives exactly the metrics of separate runs [from, b1], [from, b2], … — which is what
 * anchored walk-forward training windows are, at a fraction of the cost.
 */

export const SWEEP_WORKER_KIND = 'restake-keeper/sweep-worker';

export interface SweepWorkerData {
  readonly kind: typeof SWEEP_WORKER_KIND;
  /** Absolute path of the vault config. */
  readonly vaultPath: string;
  readonly strategy: string;
}

export interface SweepJobMessage {
  readonly type: 'job';
  readonly id: number;
  readonly params: unknown;
  readonly from: number;
  readonly to: number;
  readonly step: number;
  /** Ascending window ends in (from, to]; one metrics object is returned per cut. */
  readonly cuts: readonly number[];
}

export type SweepWorkerReply =
  | { readonly type: 'progress'; readonly id: number; readonly steps: number }
  | { readonly type: 'result'; readonly id: number; readonly threadId: number; readonly ms: number; readonly metrics: BacktestMetrics[] }
  | { readonly type: 'error'; readonly id: number; readonly threadId: number; readonly name: string; readonly message: string; readonly stack: string | undefined };

/** Progress is posted every this many steps (and the remainder with the result). */
const PROGRESS_EVERY = 8;

/** The result restricted to decisions at or before `cut` (what simulate with to = cut would return). */
export function prefixResult(r: BacktestResult, cut: number): BacktestResult {
  return {
    ...r,
    steps: r.steps.filter((s) => s.t <= cut),
    actions: r.actions.filter((a) => a.t <= cut),
    firings: r.firings.filter((f) => f.t <= cut),
  };
}

interface Context {
  readonly vault: LoadedVault;
  readonly rows: readonly Observation[];
  readonly strategy: Strategy<unknown>;
  readonly solver: LpSolver;
}

async function init(d: SweepWorkerData): Promise<Context> {
  const vault = loadVault(d.vaultPath);
  const history = vault.paths.history;
  if (!history) throw new ConfigError(vault.file, [{ where: `${vault.file} history`, value: undefined, expected: 'a recorded-history file to backtest over' }]);
  const rows = readHistoryFile(history);
  const strategy = await loadStrategy(d.strategy);
  // The vault's own solver: a sweep must decide exactly as the keeper would.
  const solver = await loadSolver(vault.config.optimizer.solver);
  return { vault, rows, strategy, solver };
}

function runJob(ctx: Context, job: SweepJobMessage, post: (m: SweepWorkerReply) => void): BacktestMetrics[] {
  const params = parseStrategyParams(ctx.strategy, job.params, `sweep job ${job.id}`);
  let reported = 0;
  const r = simulate({
    vault: ctx.vault,
    strategy: ctx.strategy,
    params,
    solver: ctx.solver,
    rows: ctx.rows,
    from: job.from,
    to: job.to,
    step: job.step,
    onStep: (done) => {
      if (done - reported >= PROGRESS_EVERY) {
        post({ type: 'progress', id: job.id, steps: done - reported });
        reported = done;
      }
    },
  });
  const rest = r.steps.length - reported;
  if (rest > 0) post({ type: 'progress', id: job.id, steps: rest });
  return job.cuts.map((cut) => computeMetrics(prefixResult(r, cut)));
}

function isWorkerData(d: unknown): d is SweepWorkerData {
  return typeof d === 'object' && d !== null && (d as { kind?: unknown }).kind === SWEEP_WORKER_KIND;
}

// Only as a sweep worker: importing this module anywhere else (for its types or prefixResult) does nothing.
if (parentPort && isWorkerData(workerData)) {
  const port = parentPort;
  const post = (m: SweepWorkerReply) => port.postMessage(m);
  const ready = init(workerData);
  ready.catch(() => {}); // reported with the first job instead of as an unhandled rejection
  port.on('message', (job: SweepJobMessage) => {
    void (async () => {
      const started = performance.now();
      try {
        const ctx = await ready;
        const metrics = runJob(ctx, job, post);
        post({ type: 'result', id: job.id, threadId, ms: performance.now() - started, metrics });
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        post({ type: 'error', id: job.id, threadId, name: err.name, message: err.message, stack: err.stack });
      }
    })();
  });
}
