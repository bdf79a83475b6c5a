import { encodeFunctionData, formatUnits, getAbiItem, maxUint256, toFunctionSignature, type Abi, type AbiFunction, type Address } from 'viem';
import type { PlannedAction } from '../../../domain/action.js';
import { BuildError, describeAction, slippageFloor } from '../../build-error.js';
import { erc20Abi } from '../abi/erc20.js';
import type { BuildContext, TxIntent } from '../evm-tx.js';

/**
 * Shared pieces of the protocol builders: one way to make a TxIntent from an ABI call, exact approvals,
 * value at risk, and errors that name the action.
 */

/** Native-ETH sentinel used by Renzo (IS_NATIVE), Kelp (ETH_TOKEN), EtherFi and Curve NG. */
export const ETH_SENTINEL: Address = '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE';

/**
 * stETH and eETH balances are shares × pooled ether / total shares, rounded down twice: staking X wei
 * can leave X − 1 or X − 2 wei on the balance (at a share rate below 2). A wrap in the same plan as the
 * stake therefore wraps X − 2 wei; the 1–2 wei left over stay on the vault as dust.
 */
export const SHARE_ROUNDING_MARGIN_WEI = 2n;

const E18 = 10n ** 18n;

export { BuildError, describeAction };

/** The protocol part of a protocol venue ("lido:mint" → "lido"); undefined for a DEX venue name. */
export function venueProtocol(venue: string): string | undefined {
  const m = /^([a-z0-9][a-z0-9-]*):([a-z-]+)$/.exec(venue);
  return m?.[1];
}

export function fmt(amount: bigint, decimals = 18): string {
  return formatUnits(amount, decimals);
}

export interface CallSpec {
  readonly to: Address;
  readonly abi: Abi;
  readonly functionName: string;
  readonly args: readonly unknown[];
  readonly value?: bigint;
  /** Contract role, e.g. "lido.wsteth", "erc20:stETH". */
  readonly contract: string;
  readonly description: string;
  readonly valueAtRiskWei: bigint;
  readonly slippage?: TxIntent['slippage'];
}

/** Encodes one call (the overload matching `args`) into a TxIntent carrying its decoded form. */
export function callIntent(s: CallSpec): TxIntent {
  const item = getAbiItem({ abi: s.abi, name: s.functionName, args: s.args } as Parameters<typeof getAbiItem>[0]) as AbiFunction | undefined;
  if (!item || item.type !== 'function') throw new Error(`no function ${s.functionName} in the ABI for ${s.contract}`);
  const data = encodeFunctionData({ abi: [item], functionName: item.name, args: s.args } as Parameters<typeof encodeFunctionData>[0]);
  return {
    to: s.to,
    data,
    value: s.value ?? 0n,
    description: s.description,
    call: { contract: s.contract, signature: toFunctionSignature(item), args: s.args },
    valueAtRiskWei: s.valueAtRiskWei,
    ...(s.slippage ? { slippage: s.slippage } : {}),
  };
}

/**
 * approve(spender, amount) for exactly `amount` — never unlimited. An approval moves nothing, so its
 * value at risk is 0; the call that spends it carries the value.
 */
export function approveExact(action: PlannedAction, token: Address, tokenId: string, spender: Address, spenderRole: string, amount: bigint): TxIntent {
  if (amount <= 0n) throw new BuildError(`nothing to approve (${amount} ${tokenId})`, action);
  if (amount >= maxUint256 / 2n) throw new BuildError(`refusing an unlimited-looking approval of ${amount} ${tokenId}`, action);
  return callIntent({
    to: token,
    abi: erc20Abi,
    functionName: 'approve',
    args: [spender, amount],
    contract: `erc20:${tokenId}`,
    description: `approve exactly ${fmt(amount)} ${tokenId} to ${spenderRole}`,
    valueAtRiskWei: 0n,
  });
}

/** The token address of an asset id, or a BuildError. */
export function tokenOf(ctx: BuildContext, assetId: string, action: PlannedAction): Address {
  const t = ctx.tokens[assetId];
  if (!t) throw new BuildError(`no token address for ${assetId} in the build context`, action);
  return t;
}

/** True when the asset is native ETH (no token address) — the vault's base asset. */
export function isNative(ctx: BuildContext, assetId: string): boolean {
  return ctx.tokens[assetId] === undefined;
}

export function sameAddress(a: Address | undefined, b: Address | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Assets that count 1:1 as ETH without a rate: native ETH, WETH, stETH and eETH (both ETH-denominated). */
function oneToOne(ctx: BuildContext, assetId: string, token: Address | undefined): boolean {
  if (token === undefined) return true;
  const a = ctx.addresses;
  return sameAddress(token, a.weth) || sameAddress(token, a.lido?.steth) || sameAddress(token, a.etherfi?.eeth);
}

/**
 * ETH value (wei) of `amount` base units of `assetId` at its fair rate, for valueAtRiskWei. An aToken is
 * valued at its own rate or, failing that, at its underlying's (aave-v3-wstETH → wstETH). A token with no
 * known rate is refused rather than valued 1:1 (that would under-count wstETH by ~20 %).
 */
export function valueWei(ctx: BuildContext, action: PlannedAction, assetId: string, amount: bigint, token?: Address): bigint {
  const rate = ctx.rates?.[assetId];
  if (rate !== undefined) return (amount * rate) / E18;
  if (oneToOne(ctx, assetId, token ?? ctx.tokens[assetId])) return amount;
  throw new BuildError(`no fair rate for ${assetId} to value the transaction (pass ctx.rates["${assetId}"], wei per 1e18 units)`, action);
}

/**
 * Request ids of a pending redemption: the redemption id as decimal ids separated by commas ("12,13"),
 * else the context's pending ids for the asset. Sorted ascending (Lido's hint search needs that).
 */
export function requestIds(action: PlannedAction, ctx: BuildContext): bigint[] {
  const rid = action.redemptionId?.trim();
  let ids: bigint[] | undefined;
  if (rid && /^\d+(\s*,\s*\d+)*$/.test(rid)) ids = rid.split(',').map((s) => BigInt(s.trim()));
  else ids = ctx.withdrawalRequests?.[action.from]?.slice();
  if (!ids || ids.length === 0) throw new BuildError(`no request ids to claim (redemption id "${action.redemptionId ?? ''}" is not a list of ids and the context has none for ${action.from})`, action);
  return [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Key under which claim hints for an action are stored in ctx.claimHints. */
export function claimKey(action: PlannedAction, ids: readonly bigint[]): string {
  return action.redemptionId ?? ids.join(',');
}

export function requirePositive(action: PlannedAction, amount: bigint, what = 'amountIn'): void {
  if (amount <= 0n) throw new BuildError(`${what} must be positive (got ${amount})`, action);
}

/**
 * A DEX leg's minimum out and the quote it came from: the planner's bound (action.minOut), tightened to a
 * fresh quote (ctx.quotes[seq], read by the builder's prepare) less ctx.maxSlippage. A fresh quote already
 * under the planner's bound is refused before anything is sent. Shared by the Curve and Uniswap builders.
 */
export function dexMinOut(action: PlannedAction, ctx: BuildContext): { minOut: bigint; quotedOut: bigint } {
  const fresh = ctx.quotes?.[action.seq];
  if (fresh === undefined) {
    if (action.minOut <= 0n) throw new BuildError('a DEX leg needs a positive minimum out', action);
    return { minOut: action.minOut, quotedOut: action.expectedOut };
  }
  if (fresh < action.minOut) throw new BuildError(`fresh quote ${fmt(fresh)} ${action.to} is below the planned minimum ${fmt(action.minOut)}: the market moved past the slippage bound`, action);
  const slip = ctx.maxSlippage;
  let minOut = action.minOut;
  if (slip !== undefined) {
    const fromQuote = slippageFloor(fresh, slip, action);
    if (fromQuote > minOut) minOut = fromQuote;
  }
  if (minOut <= 0n) throw new BuildError('a DEX leg needs a positive minimum out', action);
  return { minOut, quotedOut: fresh };
}
