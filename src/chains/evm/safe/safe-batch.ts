import { BaseError, getAddress, type Address, type PublicClient } from 'viem';
import type { PlannedAction } from '../../../domain/action.js';
import type { AssetId } from '../../../domain/asset.js';
import type { BuildActionFn, CheckBatchFn, PrepareActionFn } from '../evm-adapter.js';
import type { BuildContext, TxIntent } from '../evm-tx.js';
import { effectiveValueAtRisk } from '../policy/policy-guard.js';

/**
 * A cycle's plan as the calls one Safe transaction will batch. The same protocol builders and the same
 * policy guard as the EOA path, action by action (each action's batch checked exactly as it will run,
 * the day's caps counted through the whole plan), then the calls are concatenated in plan order.
 *
 * One difference from the EOA path: nothing executes between actions, so a leg that spends what an
 * earlier leg of the same batch receives (buy weETH, then supply it) is sized for the earlier leg's
 * guaranteed minimum out, not its estimate: the batch then cannot revert on a fill at the low end of the
 * slippage bound; what an estimate-beating fill leaves over stays in the Safe for the next cycle.
 */

export interface BatchedAction {
  readonly action: PlannedAction;
  readonly intents: readonly TxIntent[];
  /** The policy rule that allowed each intent. */
  readonly rules: readonly (string | undefined)[];
  /** When amountIn was reduced to what the batch is sure to have, why. */
  readonly note?: string | undefined;
}

export type BatchBuild =
  | { readonly ok: true; readonly actions: readonly BatchedAction[]; readonly valueAtRisk: bigint }
  | { readonly ok: false; readonly index: number; readonly reason: string; readonly stage: 'balance' | 'prepare' | 'build' | 'policy' };

export interface BatchDeps {
  readonly client: PublicClient;
  readonly chainId: number;
  readonly buildAction: BuildActionFn;
  readonly prepareAction?: PrepareActionFn | undefined;
  readonly checkBatch: CheckBatchFn;
  /** Builders' context; its vault is the Safe. */
  readonly buildContext: BuildContext;
  /** The asset that is the chain's native coin (ETH). */
  readonly nativeAsset: AssetId;
}

const msg = (e: unknown) => (e instanceof BaseError ? e.shortMessage : e instanceof Error ? e.message : String(e));

/** What each action may spend: the Safe's balance now plus the minimum earlier legs are sure to deliver. */
async function startingBalances(d: BatchDeps, actions: readonly PlannedAction[]): Promise<Map<AssetId, bigint>> {
  const out = new Map<AssetId, bigint>();
  const safe = d.buildContext.vault;
  for (const a of actions) {
    if (out.has(a.from)) continue;
    if (a.from === d.nativeAsset) out.set(a.from, await d.client.getBalance({ address: safe }));
    else {
      const token = d.buildContext.tokens[a.from];
      if (token) out.set(a.from, await d.client.readContract({ address: token, abi: erc20BalanceAbi, functionName: 'balanceOf', args: [safe] }));
    }
  }
  return out;
}

const erc20BalanceAbi = [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ name: '', type: 'uint256' }] }] as const;

export async function buildSafeBatch(d: BatchDeps, plan: readonly PlannedAction[], o: { spentToday: bigint; now: number; fairRates: (a: PlannedAction) => Readonly<Record<string, bigint>> }): Promise<BatchBuild> {
  let available: Map<AssetId, bigint>;
  try {
    available = await startingBalances(d, plan);
  } catch (e) {
    return { ok: false, index: 0, stage: 'balance', reason: `could not read the Safe's balances: ${msg(e)}` };
  }
  const built: BatchedAction[] = [];
  let spent = o.spentToday;
  for (const [i, planned] of plan.entries()) {
    let action = planned;
    let note: string | undefined;
    const have = available.get(action.from);
    // A claim pays out a queued redemption: it spends no balance of its `from`.
    if (action.kind !== 'redeem-claim' && have !== undefined && have > 0n && have < action.amountIn) {
      const scale = (x: bigint) => (x * have) / action.amountIn;
      action = { ...action, amountIn: have, minOut: scale(action.minOut), expectedOut: scale(action.expectedOut) };
      note = `amountIn reduced from the planned ${planned.amountIn} to ${have}, what the Safe holds plus the earlier legs' minimum out`;
    }
    if (action.kind !== 'redeem-claim' && have !== undefined) available.set(action.from, have - action.amountIn);
    available.set(action.to, (available.get(action.to) ?? 0n) + action.minOut);

    let ctx: BuildContext = d.buildContext;
    try {
      if (d.prepareAction) ctx = await d.prepareAction(action, ctx, d.client);
    } catch (e) {
      return { ok: false, index: i, stage: 'prepare', reason: `action ${action.seq} (${action.kind} ${action.from}→${action.to}): reading the chain for the builder failed: ${msg(e)}` };
    }
    const rates = o.fairRates(planned);
    ctx = { ...ctx, rates: { ...rates, ...ctx.rates } };
    let intents: TxIntent[];
    try {
      intents = d.buildAction(action, ctx);
    } catch (e) {
      return { ok: false, index: i, stage: 'build', reason: `action ${action.seq} (${action.kind} ${action.from}→${action.to}): no transaction could be built: ${msg(e)}` };
    }
    if (intents.length === 0) return { ok: false, index: i, stage: 'build', reason: `action ${action.seq}: the builder returned no transaction` };
    const v = d.checkBatch(intents, { vault: getAddress(d.buildContext.vault) as Address, chainId: d.chainId, action, spentTodayWei: spent, now: o.now });
    if (!v.allowed) {
      return { ok: false, index: i, stage: 'policy', reason: `policy refused transaction ${v.index} (${intents[v.index]?.description ?? '?'}) of action ${action.seq}: ${v.reason}` };
    }
    for (const t of intents) spent += effectiveValueAtRisk(t);
    built.push({ action, intents, rules: intents.map((_, k) => v.rules?.[k]), note });
  }
  return { ok: true, actions: built, valueAtRisk: spent - o.spentToday };
}

/** Net change of each asset the batch should cause, base units: −amountIn of `from`, +expectedOut of `to`. */
export function expectedChanges(actions: readonly PlannedAction[]): Map<AssetId, bigint> {
  const out = new Map<AssetId, bigint>();
  const add = (a: AssetId, x: bigint) => out.set(a, (out.get(a) ?? 0n) + x);
  for (const a of actions) {
    if (a.kind !== 'redeem-claim') add(a.from, -a.amountIn);
    add(a.to, a.expectedOut);
  }
  return out;
}

/** Gross flow through each asset (Σ|in| + Σ|out|): the scale a net change is judged against. */
export function grossFlows(actions: readonly PlannedAction[]): Map<AssetId, bigint> {
  const out = new Map<AssetId, bigint>();
  const add = (a: AssetId, x: bigint) => out.set(a, (out.get(a) ?? 0n) + x);
  for (const a of actions) {
    if (a.kind !== 'redeem-claim') add(a.from, a.amountIn);
    add(a.to, a.expectedOut);
  }
  return out;
}
