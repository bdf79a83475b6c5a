import { z } from 'zod';
import { solveAllocation } from '../src/strategy/allocation-lp.js';
import { explainAllocation } from '../src/strategy/rationale.js';
import { defineStrategy } from '../src/strategy/strategy.js';

/**
 * Baseline: put money where the headline APY is highest, ignoring risk and costs, inside the same hard
 * limits (a baseline that broke limits would not be comparable). Incentives count at face value.
 */
export default defineStrategy({
  name: 'chase-apy',
  description: 'Baseline: maximize raw APY (incentives at face value), no risk or cost penalty, same hard limits',
  params: z.strictObject({}),
  decide(input) {
    const apy = (id: string) => {
      const s = input.scores.get(id);
      if (!s) return 0;
      const y = s.yield;
      const staking = y.rateGrowth ?? (y.base === null ? 0 : y.base + (y.mev ?? 0) + (y.restaking ?? 0));
      return staking + (y.incentives ?? 0) + (y.lending ?? 0);
    };
    const r = solveAllocation(input, { value: apy, chargeCosts: false, slices: 1 });
    return { weights: r.weights, rationale: ['chase-apy: highest raw APY within limits', ...explainAllocation(r.weights, input.scores, input.bounds, r.binding)] };
  },
});
