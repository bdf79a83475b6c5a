import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

/**
 * The sweep pool runs worker threads, and a worker thread runs JavaScript: run-sweep starts
 * `new URL('./sweep-worker.js', import.meta.url)`, which exists only next to the compiled
 * dist/src/backtest/run-sweep.js (under vitest, src/backtest/ holds only .ts, and no TS loader is a
 * dependency). So these tests import the BUILT module from dist/; `npm test` builds first. After editing
 * src/backtest/*.ts, run `npm run build` (or `npx tsc -p tsconfig.json`) before `vitest run`.
 */

type SweepModule = typeof import('../src/backtest/run-sweep.js');
const DIST = join(ROOT, 'dist', 'src', 'backtest', 'run-sweep.js');
const VAULT = join(ROOT, 'config', 'vaults', 'eth-restaking.yaml');
const D = 86_400_000;

let sweep: SweepModule;

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: build first (npm run build); the sweep tests run the compiled pool`);
  sweep = (await import(pathToFileURL(DIST).href)) as SweepModule;
});

const SMALL = {
  vaultPath: VAULT,
  grid: ['riskAversion=0.5,2', 'turnoverPenalty=0.002'],
  folds: 2,
  step: '7d',
  from: '2024-09-01T00:00:00Z',
  to: '2024-12-01T00:00:00Z',
};

/** Everything but how it ran (threads, timings). */
function outcome(r: Awaited<ReturnType<SweepModule['runSweep']>>) {
  const { execution: _ignored, ...rest } = r;
  return rest;
}

describe('runSweep (worker pool, from dist/)', () => {
  let first: Awaited<ReturnType<SweepModule['runSweep']>>;

  beforeAll(async () => {
    first = await sweep.runSweep(SMALL);
  });

  it('sweeps a 2×1 grid over 2 walk-forward folds', () => {
    const r = first;
    expect(r.strategy).toBe('risk-adjusted');
    expect(r.combos.map((c) => c.label)).toEqual(['riskAversion=0.5 turnoverPenalty=0.002', 'riskAversion=2 turnoverPenalty=0.002']);
    expect(r.combos[0]?.params).toEqual({ riskAversion: 0.5, slices: 6, turnoverPenalty: 0.002 }); // slices from the vault
    expect(r.folds).toHaveLength(2);
    expect(r.rows).toHaveLength(2 * 2 * 2);
    expect(r.perFold).toHaveLength(2);
    expect(r.ranking.map((x) => x.rank)).toEqual([1, 2]);
    // Each row's metrics cover exactly its window, and each test window starts fresh from the initial 100 ETH.
    for (const row of r.rows) {
      expect(row.metrics.from).toBe(row.window.from);
      expect(row.metrics.to).toBe(row.window.to);
      expect(row.metrics.startNav).toBeCloseTo(100, 9);
      expect(row.metrics.limitBreaches).toBe(0);
    }
    for (const f of r.folds) expect(f.train.to).toBe(f.test.from);
    expect(r.folds[1]?.test.from).toBe(r.folds[0]?.test.to);
    // The out-of-sample figure is the chosen params' test metrics, chained.
    const growth = r.perFold.reduce((g, f) => g * (f.test.endNav / f.test.startNav), 1);
    expect(r.outOfSample.growth).toBeCloseTo(growth, 12);
    for (const f of r.perFold) {
      const testRow = r.rows.find((x) => x.combo === f.chosen && x.fold === f.fold && x.role === 'test');
      expect(testRow?.metrics).toEqual(f.test);
      const onTrain = r.rows.filter((x) => x.fold === f.fold && x.role === 'train').map((x) => x.metrics.netApy);
      expect(f.train.netApy).toBe(Math.max(...onTrain));
    }
    expect(r.execution.jobs).toBe(2 * (1 + 2)); // per combination: one anchored training run + one run per test window
  });

  it('gives the same results on a second run and with one worker', async () => {
    const again = await sweep.runSweep(SMALL);
    expect(outcome(again)).toEqual(outcome(first));
    const single = await sweep.runSweep({ ...SMALL, workers: 1 });
    expect(single.execution.workers).toBe(1);
    expect(new Set(single.execution.threadIds).size).toBe(1);
    expect(outcome(single)).toEqual(outcome(first));
  });

  it('uses more than one worker thread when the machine has more than one core', () => {
    expect(first.execution.poolSize).toBe(Math.min(availableParallelism(), first.execution.jobs));
    if (availableParallelism() > 1) expect(new Set(first.execution.threadIds).size).toBeGreaterThan(1);
    expect(first.execution.threadIds.every((t) => t > 0)).toBe(true); // never the main thread
  });

  it('reports progress in decision steps up to the total', async () => {
    const seen: Array<[number, number]> = [];
    await sweep.runSweep({ ...SMALL, grid: ['riskAversion=1'], onProgress: (d, t) => seen.push([d, t]) });
    expect(seen.length).toBeGreaterThan(0);
    const total = seen[0]![1];
    expect(seen.every(([, t]) => t === total)).toBe(true);
    expect(seen.at(-1)).toEqual([total, total]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0]);
  });

  it('refuses a bad grid value before starting, naming the key and the value', async () => {
    const err = await sweep.runSweep({ ...SMALL, grid: ['riskAversion=1,-2'] }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.name).toBe('ConfigError');
    expect(err?.message).toContain('riskAversion: got -2');
  });

  it('refuses more folds than the window has steps', async () => {
    await expect(sweep.runSweep({ ...SMALL, folds: 20 })).rejects.toThrow(/folds/);
  });
});

describe('runSweepJobs (the pool)', () => {
  const from = Date.parse('2024-09-01T00:00:00Z');
  const base = { params: { riskAversion: 1, slices: 6 }, step: 7 * D };

  it('returns results in job order whatever the completion order, and a cut equals a shorter run', async () => {
    const jobs = [
      { ...base, from, to: from + 14 * D, cuts: [from + 14 * D] },
      { ...base, from, to: from + 70 * D, cuts: [from + 14 * D, from + 42 * D, from + 70 * D] }, // longest, dispatched first
      { ...base, from: from + 42 * D, to: from + 56 * D, cuts: [from + 56 * D] },
      { ...base, from, to: from + 42 * D, cuts: [from + 42 * D] },
    ];
    const exited: number[] = [];
    const out = await sweep.runSweepJobs(jobs, { vaultPath: VAULT, strategy: 'risk-adjusted', onWorkerExit: (t) => exited.push(t) });
    expect(exited.sort((a, b) => a - b)).toEqual([...new Set(out.map((r) => r.threadId))].sort((a, b) => a - b)); // every worker used, and all terminated
    expect(out).toHaveLength(4);
    out.forEach((r, i) => {
      expect(r.metrics).toHaveLength(jobs[i]!.cuts.length);
      expect(r.metrics.map((m) => [m.from, m.to])).toEqual(jobs[i]!.cuts.map((c) => [jobs[i]!.from, c]));
    });
    // simulate is prefix-stable: metrics at a cut are those of a run that ends there.
    expect(out[1]!.metrics[0]).toEqual(out[0]!.metrics[0]);
    expect(out[1]!.metrics[1]).toEqual(out[3]!.metrics[0]);
  });

  it('rejects with the failed job and terminates every worker', async () => {
    const jobs = [
      { ...base, from, to: from + 14 * D, cuts: [from + 14 * D], label: 'good' },
      { ...base, params: { riskAversion: -5 }, from, to: from + 14 * D, cuts: [from + 14 * D], label: 'bad one' },
      { ...base, from, to: from + 28 * D, cuts: [from + 28 * D], label: 'good too' },
    ];
    const exited: number[] = [];
    const err = await sweep.runSweepJobs(jobs, { vaultPath: VAULT, strategy: 'risk-adjusted', workers: 2, onWorkerExit: (t) => exited.push(t) }).then(
      () => undefined,
      (e: unknown) => e as InstanceType<SweepModule['SweepJobError']>,
    );
    expect(err).toBeInstanceOf(sweep.SweepJobError);
    expect(err?.job.index).toBe(1);
    expect(err?.job.label).toBe('bad one');
    expect(err?.message).toMatch(/sweep job 1 \(bad one\).*failed: ConfigError/s);
    expect(err?.message).toContain('riskAversion');
    // Both workers had exited by the time the promise settled.
    expect(new Set(exited).size).toBe(2);
  });

  it('rejects when the worker cannot start its context (bad vault path)', async () => {
    await expect(sweep.runSweepJobs([{ ...base, from, to: from + 7 * D, cuts: [from + 7 * D] }], { vaultPath: join(ROOT, 'no-such-vault.yaml'), strategy: 'risk-adjusted' })).rejects.toThrow(
      /sweep job 0 .*failed/s,
    );
  });

  it('an empty job list needs no workers', async () => {
    expect(await sweep.runSweepJobs([], { vaultPath: VAULT, strategy: 'risk-adjusted' })).toEqual([]);
  });
});
