import type { BuildActionFn, CheckTransactionFn, GuardVerdict } from './evm-adapter.js';
import type { BuildContext, TxIntent } from './evm-tx.js';
import { checkBatch, checkTransaction } from './policy/policy-guard.js';
import type { Policy } from './policy/policy-schema.js';

/**
 * The executor's per-transaction check, backed by the transaction policy.
 *
 * For each transaction the adapter is about to sign:
 *  - the action's whole batch is rebuilt with the (pure) builder and checked once per action with
 *    checkBatch — every transaction must match a rule and every approval must be exactly what the later
 *    calls pull (the batch check needs the whole batch, which the adapter does not pass per transaction);
 *  - the transaction itself is checked with checkTransaction against the day's spend so far (the caps).
 * A refusal names the transaction and the policy's reason.
 */
export function policyChecker(policy: Policy, build: BuildActionFn, ctx: BuildContext): CheckTransactionFn {
  const batches = new Map<string, GuardVerdict>();
  const batchVerdict = (key: string, txs: () => readonly TxIntent[], chainId: number): GuardVerdict => {
    const known = batches.get(key);
    if (known) return known;
    let verdict: GuardVerdict;
    try {
      const r = checkBatch(txs(), policy, { chainId, spentTodayWei: 0n });
      verdict = r.allowed ? { allowed: true } : { allowed: false, reason: `policy refuses the batch of action ${key}: ${r.reason}` };
    } catch (e) {
      verdict = { allowed: false, reason: `could not rebuild the action's batch for the policy check: ${e instanceof Error ? e.message : String(e)}` };
    }
    batches.set(key, verdict);
    return verdict;
  };
  return (tx, g) => {
    const key = `${g.action.seq}:${g.action.kind}:${g.action.from}:${g.action.to}:${g.action.amountIn}`;
    const batch = batchVerdict(key, () => build(g.action, { ...ctx, vault: g.vault }), g.chainId);
    if (!batch.allowed) return batch;
    const r = checkTransaction(tx, policy, { chainId: g.chainId, spentTodayWei: g.spentTodayWei });
    return r.allowed ? { allowed: true } : { allowed: false, reason: `policy refuses ${tx.description} (${tx.call.contract} ${tx.call.signature}): ${r.reason}` };
  };
}
