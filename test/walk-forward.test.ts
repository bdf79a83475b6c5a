import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY, YEAR } from '../src/domain/time.js';
import { rankWalkForward, walkForwardFolds, type WindowResult, type WindowScore } from '../src/backtest/walk-forward.js';

const T0 = Date.parse('2024-06-12T00:00:00Z');

describe('walkForwardFolds', () => {
  it('cuts the window into anchored train windows each followed by its test window', () => {
    const folds = walkForwardFolds({ from: T0, to: T0 + 100 * DAY, step: DAY, folds: 4 });
    expect(folds.map((f) => [(f.train.from - T0) / DAY, (f.train.to - T0) / DAY, (f.test.from - T0) / DAY, (f.test.to - T0) / DAY])).toEqual([
      [0, 20, 20, 40],
      [0, 40, 40, 60],
      [0, 60, 60, 80],
      [0, 80, 80, 100],
    ]);
  });

  it('boundaries are contiguous, train never overlaps test, tests tile the tail in order (any window)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: DAY - 1 }), (n, k, stepDays, ragged) => {
        const step = stepDays * DAY;
        const to = T0 + n * step + ragged;
        if (n < k + 1) {
          expect(() => walkForwardFolds({ from: T0, to, step, folds: k })).toThrow(/folds need at least/);
          return;
        }
        const folds = walkForwardFolds({ from: T0, to, step, folds: k });
        expect(folds).toHaveLength(k);
        folds.forEach((f, i) => {
          expect(f.index).toBe(i);
          // Anchored train from the start; the test window begins exactly where the train ends.
          expect(f.train.from).toBe(T0);
          expect(f.test.from).toBe(f.train.to);
          // No overlap: the train's last decision time is the test's first; no test time is inside the train.
          expect(f.train.to).toBeLessThanOrEqual(f.test.from);
          expect(f.test.to).toBeGreaterThan(f.test.from);
          expect(f.train.to).toBeGreaterThan(f.train.from);
          // On the step grid.
          for (const t of [f.train.to, f.test.from, f.test.to]) expect((t - T0) % step).toBe(0);
          const next = folds[i + 1];
          if (next) {
            expect(next.test.from).toBe(f.test.to); // contiguous, in order
            expect(next.train.to).toBe(f.test.to); // the next train absorbs this test window
          }
        });
        // Tests cover the tail up to the last step time ≤ to.
        expect(folds[k - 1]?.test.to).toBe(T0 + n * step);
        // Segments differ by at most one step.
        const lens = [folds[0]!.train.to - T0, ...folds.map((f) => f.test.to - f.test.from)].map((x) => x / step);
        expect(Math.max(...lens) - Math.min(...lens)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('refuses nonsense', () => {
    expect(() => walkForwardFolds({ from: T0, to: T0 + 10 * DAY, step: DAY, folds: 0 })).toThrow(/folds/);
    expect(() => walkForwardFolds({ from: T0, to: T0 + 10 * DAY, step: DAY, folds: 1.5 })).toThrow(/folds/);
    expect(() => walkForwardFolds({ from: T0, to: T0 + 10 * DAY, step: 0, folds: 2 })).toThrow(/step/);
    expect(() => walkForwardFolds({ from: T0 + DAY, to: T0, step: DAY, folds: 2 })).toThrow(/from ≤ to/);
  });
});

/** A window's metrics from its net APY (NAV 100 compounded over `years`). */
function score(netApy: number, years: number, extra: Partial<WindowScore> = {}): WindowScore {
  return { netApy, years, startNav: 100, endNav: 100 * Math.pow(1 + netApy, years), maxDrawdown: 0, turnover: 0, ...extra };
}

const Y = 0.25;

/** Per-combination train/test net APYs per fold → results. */
function results(table: Record<number, Array<[train: number, test: number]>>): WindowResult[] {
  const out: WindowResult[] = [];
  for (const [combo, folds] of Object.entries(table)) {
    folds.forEach(([train, test], fold) => {
      out.push({ combo: Number(combo), fold, role: 'train', metrics: score(train, Y * (fold + 1)) });
      out.push({ combo: Number(combo), fold, role: 'test', metrics: score(test, Y) });
    });
  }
  return out;
}

describe('rankWalkForward', () => {
  // Combination 0 is best on every training window and mediocre on test; 1 is the reverse; 2 is in between.
  const table = {
    0: [
      [0.1, 0.02],
      [0.09, 0.01],
      [0.08, 0.03],
    ],
    1: [
      [0.01, 0.07],
      [0.02, 0.08],
      [0.03, 0.06],
    ],
    2: [
      [0.05, 0.04],
      [0.05, 0.05],
      [0.05, 0.04],
    ],
  } satisfies Record<number, Array<[number, number]>>;

  it('chooses on the training window and reports the TEST performance of that choice', () => {
    const r = rankWalkForward(results(table));
    expect(r.perFold.map((f) => f.chosen)).toEqual([0, 0, 0]);
    expect(r.perFold.map((f) => f.testBest)).toEqual([1, 1, 1]);
    expect(r.perFold.map((f) => f.test.netApy)).toEqual([0.02, 0.01, 0.03]);
    expect(r.perFold.map((f) => f.train.netApy)).toEqual([0.1, 0.09, 0.08]);
    const growth = (1.02 * 1.01 * 1.03) ** Y;
    expect(r.outOfSample.growth).toBeCloseTo(growth, 12);
    expect(r.outOfSample.years).toBeCloseTo(3 * Y, 12);
    expect(r.outOfSample.netApy).toBeCloseTo(growth ** (1 / (3 * Y)) - 1, 12);
    // Not the hindsight-best (combo 1 on test), and not what the choice scored on its training windows.
    const hindsight = (1.07 * 1.08 * 1.06) ** (1 / 3) - 1;
    expect(r.outOfSample.netApy).toBeLessThan(0.03);
    expect(Math.abs(r.outOfSample.netApy - hindsight)).toBeGreaterThan(0.03);
    expect(r.outOfSample.inSampleNetApy).toBeCloseTo(0.09, 12);
  });

  it('changing only test results never changes the choice', () => {
    const base = results(table);
    const shuffledTests = base.map((x) => (x.role === 'test' ? { ...x, metrics: score(x.combo === 0 ? -0.5 : 0.5, Y) } : x));
    const a = rankWalkForward(base);
    const b = rankWalkForward(shuffledTests);
    expect(b.perFold.map((f) => f.chosen)).toEqual(a.perFold.map((f) => f.chosen));
    expect(b.outOfSample.netApy).toBeLessThan(0); // the chosen combo's (now bad) test results are what is reported
  });

  it('ranks every combination by mean test net APY', () => {
    const r = rankWalkForward(results(table));
    expect(r.ranking.map((x) => [x.rank, x.combo])).toEqual([
      [1, 1],
      [2, 2],
      [3, 0],
    ]);
    expect(r.ranking[0]?.meanTestNetApy).toBeCloseTo(0.07, 12);
    expect(r.ranking.find((x) => x.combo === 0)?.timesChosen).toBe(3);
    expect(r.ranking.find((x) => x.combo === 0)?.chainedTestNetApy).toBeCloseTo(r.outOfSample.netApy, 12);
  });

  it('breaks training ties by lower drawdown, then lower turnover, then grid order', () => {
    const mk = (combo: number, dd: number, to: number): WindowResult[] => [
      { combo, fold: 0, role: 'train', metrics: score(0.05, 1, { maxDrawdown: dd, turnover: to }) },
      { combo, fold: 0, role: 'test', metrics: score(0.01 * combo, Y) },
    ];
    expect(rankWalkForward([...mk(0, 0.02, 1), ...mk(1, 0.01, 3), ...mk(2, 0.01, 2)]).perFold[0]?.chosen).toBe(2);
    expect(rankWalkForward([...mk(0, 0.01, 1), ...mk(1, 0.01, 1)]).perFold[0]?.chosen).toBe(0);
  });

  it('is independent of the order results arrive in', () => {
    const base = results(table);
    const reversed = [...base].reverse();
    expect(rankWalkForward(reversed)).toEqual(rankWalkForward(base));
  });

  it('refuses missing or duplicate results', () => {
    const base = results(table);
    expect(() => rankWalkForward(base.filter((x) => !(x.combo === 2 && x.fold === 1 && x.role === 'test')))).toThrow(/missing test result for combination 2 in fold 1/);
    expect(() => rankWalkForward([...base, base[0]!])).toThrow(/duplicate/);
    expect(() => rankWalkForward([])).toThrow();
  });

  it('annualizes over test-window years', () => {
    const r = rankWalkForward([
      { combo: 0, fold: 0, role: 'train', metrics: score(0.05, 30 / 365) },
      { combo: 0, fold: 0, role: 'test', metrics: score(0.04, (10 * DAY) / YEAR) },
    ]);
    expect(r.outOfSample.netApy).toBeCloseTo(0.04, 10);
  });
});
