import type { CheckBatchFn } from './evm-adapter.js';
import { checkBatch } from './policy/policy-guard.js';
import type { Policy } from './policy/policy-schema.js';

/**
 * The executor's guard, backed by the transaction policy: the action's transactions, exactly as they will
 * be signed, go through checkBatch — every one must match a rule, the caps are counted through the batch
 * on top of the day's spend, and every approval must be what the later calls pull. A refusal names the
 * transaction and the policy's reason.
 */
export function policyChecker(policy: Policy): CheckBatchFn {
  return (txs, g) => {
    const r = checkBatch(txs, policy, { chainId: g.chainId, spentTodayWei: g.spentTodayWei });
    return r.allowed ? { allowed: true, rules: r.results.map((x) => x.rule) } : { allowed: false, index: r.index, reason: `policy refuses action ${g.action.seq} (${g.action.kind} ${g.action.from}→${g.action.to}): ${r.reason}` };
  };
}
