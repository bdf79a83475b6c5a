import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHighsSolver } from '../src/strategy/highs-solver.js';
import type { LpProblem, LpSolver } from '../src/strategy/lp-solver.js';
import { createYalpsSolver } from '../src/strategy/yalps-solver.js';

let highs: LpSolver;
const yalps = createYalpsSolver();
beforeAll(async () => {
  highs = await loadHighsSolver();
});

/** Allocation-shaped LPs: bounded weights, a budget row, a few group caps, a floor on a subset. */
const problem = fc
  .record({
    n: fc.integer({ min: 2, max: 12 }),
    seed: fc.array(fc.double({ min: -0.05, max: 0.12, noNaN: true }), { minLength: 12, maxLength: 12 }),
    caps: fc.array(fc.double({ min: 0.05, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }),
    groups: fc.array(fc.record({ members: fc.array(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 5 }), cap: fc.double({ min: 0.1, max: 1, noNaN: true }) }), { maxLength: 4 }),
    floor: fc.double({ min: 0, max: 0.5, noNaN: true }),
  })
  .map(({ n, seed, caps, groups, floor }): LpProblem => {
    const names = Array.from({ length: n }, (_, i) => `w${i}`);
    const variables = names.map((name, i) => ({ name, lo: 0, hi: i === 0 ? 1 : (caps[i] as number), obj: i === 0 ? 0 : (seed[i] as number) }));
    const constraints = [
      { name: 'budget', terms: names.map((x) => [x, 1] as const), lo: 1, hi: 1 },
      ...groups.map((g, k) => ({ name: `g${k}`, terms: [...new Set(g.members.filter((m) => m > 0 && m < n))].map((m) => [`w${m}`, 1] as const), hi: g.cap })).filter((c) => c.terms.length > 0),
      { name: 'liquid', terms: [['w0', 1] as const], lo: floor },
    ];
    return { variables, constraints };
  });

describe('LP solvers behind the port', () => {
  it('YALPS and HiGHS reach the same optimum on allocation-shaped problems', () => {
    fc.assert(
      fc.property(problem, (p) => {
        const a = highs.solve(p);
        const b = yalps.solve(p);
        expect(b.status).toBe(a.status);
        if (a.status === 'optimal') {
          expect(Math.abs(a.objective - b.objective)).toBeLessThan(1e-7);
          // The answer is feasible: the budget holds and no bound is broken.
          const sum = p.variables.reduce((s, v) => s + (b.values[v.name] ?? 0), 0);
          expect(Math.abs(sum - 1)).toBeLessThan(1e-7);
          // YALPS rounds answers to its precision (1e-8); solveAllocation clips to bounds afterwards.
          for (const v of p.variables) expect(b.values[v.name] ?? 0).toBeLessThanOrEqual(v.hi + 1e-8);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('both report an infeasible problem as infeasible', () => {
    const p: LpProblem = { variables: [{ name: 'x', lo: 0, hi: 0.3, obj: 1 }, { name: 'y', lo: 0, hi: 0.3, obj: 1 }], constraints: [{ name: 'budget', terms: [['x', 1], ['y', 1]], lo: 1, hi: 1 }] };
    expect(highs.solve(p).status).toBe('infeasible');
    expect(yalps.solve(p).status).toBe('infeasible');
  });

  it('YALPS names the constraints that sit at their bound', () => {
    const p: LpProblem = {
      variables: [{ name: 'a', lo: 0, hi: 1, obj: 0.05 }, { name: 'b', lo: 0, hi: 1, obj: 0.03 }, { name: 'c', lo: 0, hi: 1, obj: 0 }],
      constraints: [
        { name: 'budget', terms: [['a', 1], ['b', 1], ['c', 1]], lo: 1, hi: 1 },
        { name: 'capA', terms: [['a', 1]], hi: 0.4 },
        { name: 'capAB', terms: [['a', 1], ['b', 1]], hi: 0.9 },
        { name: 'loose', terms: [['c', 1]], hi: 0.5 },
      ],
    };
    const r = yalps.solve(p);
    expect(r.values.a).toBeCloseTo(0.4, 9);
    expect(r.values.b).toBeCloseTo(0.5, 9);
    expect(r.binding).toEqual(expect.arrayContaining(['capA', 'capAB']));
    expect(r.binding).not.toContain('loose');
  });
});
