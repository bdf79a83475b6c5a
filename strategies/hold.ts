import { z } from 'zod';
import { solveAllocation } from '../src/strategy/allocation-lp.js';
import { defineStrategy } from '../src/strategy/strategy.js';

/**
 * Baseline: keep what the vault holds. Where a limit or a breaker forbids the current allocation it
 * moves the least it must (minimum turnover under the same limits), so even the baseline never acts
 * outside them.
 */
export default defineStrategy({
  name: 'hold',
  description: 'Baseline: keep current weights, moving only what the limits force',
  params: z.strictObject({}),
  decide(input) {
    const r = solveAllocation(input, { value: () => 0, chargeCosts: false, slices: 1, minimizeTurnover: true });
    const moved = input.bounds.assets.filter((id) => Math.abs((r.weights[id] ?? 0) - (input.current[id] ?? 0)) > 1e-6);
    return {
      weights: r.weights,
      rationale: moved.length === 0 ? ['hold: current allocation is within every limit'] : [`hold: moved only ${moved.join(', ')} to satisfy limits`, ...r.binding],
    };
  },
});
