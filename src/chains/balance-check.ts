import type { AssetId } from '../domain/asset.js';
import type { PlannedAction } from '../domain/action.js';

const BPS = 10_000n;

export interface BalanceCheck {
  readonly ok: boolean;
  readonly amountIn: bigint;
  readonly amountOut: bigint;
  readonly gas: bigint;
  readonly problems: readonly string[];
  readonly deltas: Record<AssetId, string>;
}

/**
 * Compare what the balances did with what the plan expected: `from` down by amountIn, `to` up by
 * expectedOut, and the native asset also down by the gas paid; each within `tolerance` (a fraction of the
 * expected amount). Amounts in and out are measured net of gas.
 */
export function checkBalances(p: {
  action: Pick<PlannedAction, 'from' | 'to' | 'amountIn' | 'expectedOut'> & { readonly kind?: PlannedAction['kind'] };
  native: AssetId;
  before: Readonly<Record<AssetId, bigint>>;
  after: Readonly<Record<AssetId, bigint>>;
  gas: bigint;
  tolerance: number;
  /** The executor reads pending redemptions back from the chain (a request's output is found there). */
  queued?: boolean | undefined;
}): BalanceCheck {
  const { action: a, native, before, after, gas } = p;
  const delta = (asset: AssetId) => (after[asset] ?? 0n) - (before[asset] ?? 0n);
  const amountIn = -(delta(a.from) + (a.from === native ? gas : 0n));
  const amountOut = delta(a.to) + (a.to === native ? gas : 0n);
  const tolBps = BigInt(Math.round(p.tolerance * 10_000));
  const within = (actual: bigint, expected: bigint) => {
    const diff = actual > expected ? actual - expected : expected - actual;
    return diff * BPS <= expected * tolBps;
  };
  const problems: string[] = [];
  // A claim spends a pending redemption (a ticket, a split stake account), not a balance of `from`.
  const claim = a.kind === 'redeem-claim';
  if (!claim && !within(amountIn, a.amountIn)) problems.push(`${a.from}: spent ${amountIn}, the plan expected ${a.amountIn}`);
  // A redemption request's output goes into a queue (a ticket, a split stake account), not to `to` yet;
  // where the chain's queue is read back (p.queued) that is where it is checked, not here.
  const request = a.kind === 'redeem-request' && p.queued === true;
  if (!request && a.expectedOut > 0n && !within(amountOut, a.expectedOut)) problems.push(`${a.to}: received ${amountOut}, the plan expected ${a.expectedOut}`);
  if (!request && a.expectedOut === 0n && amountOut < 0n) problems.push(`${a.to}: went down by ${-amountOut}`);
  // The native asset also pays gas. Only an unexplained decrease counts: anyone can send the vault ETH,
  // and a dust transfer must not be able to halt it.
  if (a.from !== native && a.to !== native && native in before && delta(native) < -gas) {
    problems.push(`${native}: went down by ${-delta(native)}, more than the gas ${gas}`);
  }
  const deltas: Record<AssetId, string> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) deltas[k] = delta(k).toString();
  return { ok: problems.length === 0, amountIn, amountOut, gas, problems, deltas };
}
