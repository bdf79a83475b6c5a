/**
 * Walk-forward evaluation of a parameter sweep. Pure: no I/O, no clock.
 *
 * Folds are ANCHORED (expanding) windows. The replay window [from, to] is cut on the step grid into
 * K + 1 consecutive segments of (nearly) equal length, boundaries b0 = from < b1 < … < bK+1 = the last
 * step time ≤ to. Fold k (0-based) trains on [b0, bk+1] and tests on [bk+1, bk+2]:
 *
 *   fold 0: train [b0 ─ b1]          test [b1 ─ b2]
 *   fold 1: train [b0 ───── b2]      test [b2 ─ b3]
 *   fold 2: train [b0 ────────── b3] test [b3 ─ b4]
 *
 * Windows are closed intervals of decision times. A fold's training window ends at the instant its test
 * window starts; they share that one instant but no return period: a window's return is NAV growth from
 * its first decision time to its last, so the train's return ends where the test's begins, and the
 * choice made on the train uses only readings up to that instant (which the test's first decision sees
 * too, as the live keeper would). Test windows abut each other and together cover [b1, bK+1] in order,
 * so chaining their returns is one continuous out-of-sample record.
 */

export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

export interface Fold {
  readonly index: number;
  readonly train: TimeWindow;
  readonly test: TimeWindow;
}

export interface FoldOptions {
  readonly from: number;
  readonly to: number;
  /** Decision step, ms; fold boundaries fall on from + i·step. */
  readonly step: number;
  /** Number of folds K ≥ 1 (the window is cut into K + 1 segments, the first being training only). */
  readonly folds: number;
}

export function walkForwardFolds(o: FoldOptions): Fold[] {
  const { from, to, step, folds } = o;
  if (!Number.isInteger(folds) || folds < 1) throw new RangeError(`folds must be a whole number ≥ 1, got ${folds}`);
  if (!(step > 0) || !Number.isFinite(step)) throw new RangeError(`step must be a positive number of ms, got ${step}`);
  if (!(to >= from)) throw new RangeError(`the window must have from ≤ to (from ${from}, to ${to})`);
  const n = Math.floor((to - from) / step);
  const segments = folds + 1;
  if (n < segments) {
    throw new RangeError(`${folds} folds need at least ${segments} steps between from and to (there are ${n}); use fewer folds, a smaller step or a longer window`);
  }
  // Boundary i at step index round(i·n / segments): segment lengths differ by at most one step.
  const b = Array.from({ length: segments + 1 }, (_, i) => from + Math.round((i * n) / segments) * step);
  const out: Fold[] = [];
  for (let k = 0; k < folds; k++) {
    out.push({ index: k, train: { from, to: b[k + 1] as number }, test: { from: b[k + 1] as number, to: b[k + 2] as number } });
  }
  return out;
}

/** What the ranking needs of a window's backtest (a subset of BacktestMetrics). */
export interface WindowScore {
  readonly netApy: number;
  readonly maxDrawdown: number;
  readonly turnover: number;
  readonly startNav: number;
  readonly endNav: number;
  /** Length of the window in years (first to last decision). */
  readonly years: number;
}

export interface WindowResult<M extends WindowScore = WindowScore> {
  /** Index of the param combination. */
  readonly combo: number;
  readonly fold: number;
  readonly role: 'train' | 'test';
  readonly metrics: M;
}

export interface FoldChoice<M extends WindowScore = WindowScore> {
  readonly fold: number;
  /** The combination with the best TRAINING score in this fold. */
  readonly chosen: number;
  /** Its training metrics (in-sample: what it was chosen on). */
  readonly train: M;
  /** Its test metrics (out-of-sample: the only figure that counts). */
  readonly test: M;
  /** The combination that happened to do best on this test window (hindsight, for reference only). */
  readonly testBest: number;
}

export interface OutOfSample {
  readonly folds: number;
  /** Π test endNav/startNav of the chosen params, fold by fold. */
  readonly growth: number;
  readonly totalReturn: number;
  /** Σ test-window years. */
  readonly years: number;
  /** The chained growth annualized over those years. */
  readonly netApy: number;
  /** Worst max drawdown of any chosen test window. */
  readonly worstDrawdown: number;
  /** Mean training net APY of the chosen params (in-sample; compare with netApy to see the overfit). */
  readonly inSampleNetApy: number;
}

export interface ComboRank {
  /** 1-based rank. */
  readonly rank: number;
  readonly combo: number;
  /** Mean over folds of the test-window net APY. */
  readonly meanTestNetApy: number;
  /** Test-window growth chained over all folds, annualized. */
  readonly chainedTestNetApy: number;
  readonly meanTestMaxDrawdown: number;
  readonly meanTestTurnover: number;
  /** Folds in which the walk-forward chose this combination on its training window. */
  readonly timesChosen: number;
}

export interface WalkForwardRanking<M extends WindowScore = WindowScore> {
  readonly perFold: Array<FoldChoice<M>>;
  readonly outOfSample: OutOfSample;
  /**
   * Every combination by mean test-window net APY. Descriptive: picking the top row of this table is
   * itself a choice made on the test windows, so its figures are not out-of-sample — outOfSample is.
   */
  readonly ranking: ComboRank[];
}

/** Best first: higher net APY, then lower max drawdown, then lower turnover, then lower combo index. */
export function compareScores(a: { combo: number; metrics: WindowScore }, b: { combo: number; metrics: WindowScore }): number {
  return b.metrics.netApy - a.metrics.netApy || a.metrics.maxDrawdown - b.metrics.maxDrawdown || a.metrics.turnover - b.metrics.turnover || a.combo - b.combo;
}

function annualize(growth: number, years: number): number {
  return years > 0 && growth > 0 ? Math.pow(growth, 1 / years) - 1 : 0;
}

function growthOf(m: WindowScore): number {
  return m.startNav > 0 ? m.endNav / m.startNav : 0;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);

/**
 * Walk-forward selection and ranking. For each fold the params are chosen on the fold's TRAINING window
 * only (compareScores), and evaluated on the fold's TEST window; `outOfSample` chains those test
 * results. Every (combination, fold) needs both a train and a test result; a missing or duplicate one
 * is an error rather than a silently smaller comparison.
 */
export function rankWalkForward<M extends WindowScore>(results: ReadonlyArray<WindowResult<M>>): WalkForwardRanking<M> {
  const combos = [...new Set(results.map((r) => r.combo))].sort((a, b) => a - b);
  const folds = [...new Set(results.map((r) => r.fold))].sort((a, b) => a - b);
  if (combos.length === 0 || folds.length === 0) throw new RangeError('walk-forward ranking needs at least one result');
  const cell = new Map<string, M>();
  for (const r of results) {
    const key = `${r.combo}/${r.fold}/${r.role}`;
    if (cell.has(key)) throw new RangeError(`duplicate ${r.role} result for combination ${r.combo} in fold ${r.fold}`);
    cell.set(key, r.metrics);
  }
  const get = (combo: number, fold: number, role: 'train' | 'test'): M => {
    const m = cell.get(`${combo}/${fold}/${role}`);
    if (!m) throw new RangeError(`missing ${role} result for combination ${combo} in fold ${fold}`);
    return m;
  };

  const perFold: Array<FoldChoice<M>> = folds.map((fold) => {
    // Selection sees training metrics and nothing else.
    const onTrain = combos.map((combo) => ({ combo, metrics: get(combo, fold, 'train') })).sort(compareScores);
    const chosen = (onTrain[0] as { combo: number }).combo;
    const onTest = combos.map((combo) => ({ combo, metrics: get(combo, fold, 'test') })).sort(compareScores);
    return { fold, chosen, train: get(chosen, fold, 'train'), test: get(chosen, fold, 'test'), testBest: (onTest[0] as { combo: number }).combo };
  });

  const growth = perFold.reduce((g, f) => g * growthOf(f.test), 1);
  const years = perFold.reduce((y, f) => y + f.test.years, 0);
  const outOfSample: OutOfSample = {
    folds: perFold.length,
    growth,
    totalReturn: growth - 1,
    years,
    netApy: annualize(growth, years),
    worstDrawdown: Math.max(...perFold.map((f) => f.test.maxDrawdown)),
    inSampleNetApy: mean(perFold.map((f) => f.train.netApy)),
  };

  const rows = combos.map((combo) => {
    const tests = folds.map((fold) => get(combo, fold, 'test'));
    const g = tests.reduce((x, m) => x * growthOf(m), 1);
    const y = tests.reduce((x, m) => x + m.years, 0);
    return {
      combo,
      meanTestNetApy: mean(tests.map((m) => m.netApy)),
      chainedTestNetApy: annualize(g, y),
      meanTestMaxDrawdown: mean(tests.map((m) => m.maxDrawdown)),
      meanTestTurnover: mean(tests.map((m) => m.turnover)),
      timesChosen: perFold.filter((f) => f.chosen === combo).length,
    };
  });
  rows.sort((a, b) => b.meanTestNetApy - a.meanTestNetApy || a.meanTestMaxDrawdown - b.meanTestMaxDrawdown || a.meanTestTurnover - b.meanTestTurnover || a.combo - b.combo);
  return { perFold, outOfSample, ranking: rows.map((r, i) => ({ rank: i + 1, ...r })) };
}
