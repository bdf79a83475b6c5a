import { z } from 'zod';
import { solveAllocation } from '../src/strategy/allocation-lp.js';
import { explainAllocation } from '../src/strategy/rationale.js';
import { defineStrategy } from '../src/strategy/strategy.js';

/**
 * The default: the exact optimum of risk-adjusted yield under the vault's hard limits. Each asset is
 * worth its expected yield minus `riskAversion` × its expected loss per year; exit cost at the
 * position's size and the cost of switching are charged, spread over the planner's horizon.
 */
export default defineStrategy({
  name: 'risk-adjusted',
  description: 'LP optimum of yield − λ·expected loss − amortized size-dependent costs, under all hard limits',
  params: z.strictObject({
    riskAversion: z.number().min(0).max(100).default(1),
    slices: z.number().int().min(1).max(32).default(6),
    /** Hurdle per unit traded (fraction), beyond estimated costs: yields are estimates, churn is certain. */
    turnoverPenalty: z.number().min(0).max(0.1).default(0.002),
  }),
  decide(input, params) {
    const r = solveAllocation(input, {
      value: (id) => {
        const s = input.scores.get(id);
        return s ? s.yield.total - params.riskAversion * s.expectedLoss : 0;
      },
      chargeCosts: true,
      slices: params.slices,
      turnoverPenalty: params.turnoverPenalty,
    });
    return { weights: r.weights, rationale: [`risk-adjusted optimum (λ = ${params.riskAversion}, turnover hurdle ${params.turnoverPenalty})`, ...explainAllocation(r.weights, input.scores, input.bounds, r.binding)] };
  },
});
