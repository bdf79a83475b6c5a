import { z } from 'zod';
import { solveAllocation } from '../src/strategy/allocation-lp.js';
import { explainAllocation } from '../src/strategy/rationale.js';
import { defineStrategy } from '../src/strategy/strategy.js';

/**
 * Plain liquid staking only: no restaking, no lending. Within that set it optimizes like the default,
 * with a heavier penalty on expected loss and a per-asset cap of its own, so it spreads across LSTs.
 */
export default defineStrategy({
  name: 'lst-conservative',
  description: 'LSTs and the base asset only; LP optimum with double risk aversion and its own per-asset cap',
  params: z.strictObject({
    riskAversion: z.number().min(0).max(100).default(2),
    maxPerLst: z.number().min(0).max(1).default(0.5),
    slices: z.number().int().min(1).max(32).default(6),
    turnoverPenalty: z.number().min(0).max(0.1).default(0.002),
  }),
  decide(input, params) {
    const allowed = (id: string) => {
      const a = input.universe.byId.get(id);
      return a?.kind === 'native' || a?.kind === 'lst';
    };
    const hi: Record<string, number> = {};
    for (const id of input.bounds.assets) {
      const h = input.bounds.hi[id] ?? 0;
      hi[id] = id === input.bounds.baseAsset ? h : allowed(id) ? Math.min(h, params.maxPerLst) : 0;
    }
    const why = { ...input.bounds.why };
    for (const id of input.bounds.assets) if (!allowed(id)) why[id] = 'not a plain LST (strategy lst-conservative)';
    const bounds = { ...input.bounds, hi, why };
    const r = solveAllocation({ ...input, bounds }, {
      value: (id) => {
        const s = input.scores.get(id);
        return s && allowed(id) ? s.yield.total - params.riskAversion * s.expectedLoss : 0;
      },
      chargeCosts: true,
      slices: params.slices,
      turnoverPenalty: params.turnoverPenalty,
    });
    return { weights: r.weights, rationale: [`LST-only optimum (λ = ${params.riskAversion}, ≤ ${params.maxPerLst} per LST)`, ...explainAllocation(r.weights, input.scores, bounds, r.binding)] };
  },
});
