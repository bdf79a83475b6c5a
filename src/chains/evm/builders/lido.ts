import type { PlannedAction } from '../../../domain/action.js';
import { stethAbi, withdrawalQueueAbi, wstethExecAbi } from '../abi/lido.js';
import type { BuildContext, ChainReader, ProtocolBuilder, TxIntent } from '../evm-tx.js';
import {
  approveExact,
  BuildError,
  callIntent,
  claimKey,
  fmt,
  isNative,
  requestIds,
  requirePositive,
  sameAddress,
  SHARE_ROUNDING_MARGIN_WEI,
  valueWei,
  venueProtocol,
} from './common.js';

/**
 * Lido (protocols.md A1): stake (submit), wrap/unwrap wstETH, queue a withdrawal, claim it.
 *
 * | action                          | transactions                                                                 |
 * |---------------------------------|------------------------------------------------------------------------------|
 * | mint ETH→stETH                  | stETH.submit(vault) {value}                                                  |
 * | mint ETH→wstETH                 | submit(vault) {value}; stETH.approve(wstETH, X−2); wstETH.wrap(X−2)          |
 * | mint stETH→wstETH (wrap)        | stETH.approve(wstETH, X); wstETH.wrap(X)                                     |
 * | mint wstETH→stETH (unwrap)      | wstETH.unwrap(X)                                                             |
 * | redeem-request wstETH→ETH       | wstETH.approve(queue, X); requestWithdrawalsWstETH([chunks], vault)          |
 * | redeem-request stETH→ETH        | stETH.approve(queue, X); requestWithdrawals([chunks], vault)                 |
 * | redeem-claim                    | claimWithdrawals(ids ascending, hints)                                       |
 *
 * Chunks are at most 999 stETH-equivalent each (the queue caps a request at 1000 stETH; the 0.1 % margin
 * covers the wstETH rate rising between build and inclusion), split evenly so none falls under the
 * 100-wei minimum. The staked-then-wrapped amount is X − 2 wei (SHARE_ROUNDING_MARGIN_WEI).
 */

const E18 = 10n ** 18n;
/** WithdrawalQueueERC721 MAX_STETH_WITHDRAWAL_AMOUNT. */
export const LIDO_MAX_REQUEST_STETH = 1000n * E18;
/** MIN_STETH_WITHDRAWAL_AMOUNT. */
export const LIDO_MIN_REQUEST_STETH = 100n;
/** What a chunk is sized to: the cap less 0.1 %. */
export const LIDO_CHUNK_TARGET_STETH = 999n * E18;

/**
 * Splits `amount` (in request units: stETH, or wstETH at `stethPerUnit`) into the fewest even chunks of at
 * most LIDO_CHUNK_TARGET_STETH stETH-equivalent each.
 */
export function lidoChunks(amount: bigint, stethPerUnit: bigint = E18): bigint[] {
  if (amount <= 0n) return [];
  if (stethPerUnit <= 0n) throw new RangeError('stETH per unit must be positive');
  const capUnits = (LIDO_CHUNK_TARGET_STETH * E18) / stethPerUnit;
  const n = (amount + capUnits - 1n) / capUnits;
  const base = amount / n;
  const extra = amount % n;
  return Array.from({ length: Number(n) }, (_, k) => base + (BigInt(k) < extra ? 1n : 0n));
}

function lido(ctx: BuildContext, action: PlannedAction) {
  const l = ctx.addresses.lido;
  if (!l) throw new BuildError('no Lido addresses in the build context', action);
  return l;
}

function role(ctx: BuildContext, action: PlannedAction, assetId: string): 'eth' | 'steth' | 'wsteth' | 'other' {
  if (isNative(ctx, assetId)) return 'eth';
  const t = ctx.tokens[assetId];
  const l = lido(ctx, action);
  if (sameAddress(t, l.steth)) return 'steth';
  if (sameAddress(t, l.wsteth)) return 'wsteth';
  return 'other';
}

function buildMint(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const l = lido(ctx, action);
  const from = role(ctx, action, action.from);
  const to = role(ctx, action, action.to);
  const x = action.amountIn;
  requirePositive(action, x);
  const submit = (): TxIntent =>
    callIntent({
      to: l.steth,
      abi: stethAbi,
      functionName: 'submit',
      args: [ctx.vault],
      value: x,
      contract: 'lido.steth',
      description: `stake ${fmt(x)} ETH with Lido (submit, referral = vault); stETH is minted to the vault`,
      valueAtRiskWei: x,
    });
  const wrap = (amount: bigint): TxIntent[] => [
    approveExact(action, l.steth, 'stETH', l.wsteth, 'lido.wsteth', amount),
    callIntent({
      to: l.wsteth,
      abi: wstethExecAbi,
      functionName: 'wrap',
      args: [amount],
      contract: 'lido.wsteth',
      description: `wrap ${fmt(amount)} stETH into wstETH (held by the vault)`,
      valueAtRiskWei: amount,
    }),
  ];
  if (from === 'eth' && to === 'steth') return [submit()];
  if (from === 'eth' && to === 'wsteth') {
    const wrapAmount = x - SHARE_ROUNDING_MARGIN_WEI;
    if (wrapAmount <= 0n) throw new BuildError(`amount ${x} wei is too small to stake and wrap (the wrap keeps ${SHARE_ROUNDING_MARGIN_WEI} wei back for share rounding)`, action);
    return [submit(), ...wrap(wrapAmount)];
  }
  if (from === 'steth' && to === 'wsteth') return wrap(x);
  if (from === 'wsteth' && to === 'steth') {
    return [
      callIntent({
        to: l.wsteth,
        abi: wstethExecAbi,
        functionName: 'unwrap',
        args: [x],
        contract: 'lido.wsteth',
        description: `unwrap ${fmt(x)} wstETH into stETH (to the vault)`,
        valueAtRiskWei: valueWei(ctx, action, action.from, x),
      }),
    ];
  }
  throw new BuildError(`Lido cannot mint ${action.to} from ${action.from}`, action);
}

function buildRequest(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const l = lido(ctx, action);
  const from = role(ctx, action, action.from);
  if (!isNative(ctx, action.to)) throw new BuildError(`a Lido withdrawal pays ETH, not ${action.to}`, action);
  const x = action.amountIn;
  requirePositive(action, x);
  let chunks: bigint[];
  let fn: 'requestWithdrawals' | 'requestWithdrawalsWstETH';
  let token;
  if (from === 'wsteth') {
    const rate = ctx.rates?.[action.from];
    if (rate === undefined) throw new BuildError(`sizing wstETH requests needs stETH per wstETH: pass ctx.rates["${action.from}"] (prepareAction reads stEthPerToken())`, action);
    chunks = lidoChunks(x, rate);
    fn = 'requestWithdrawalsWstETH';
    token = l.wsteth;
    const smallest = chunks.reduce((m, c) => (c < m ? c : m));
    if ((smallest * rate) / E18 < LIDO_MIN_REQUEST_STETH) throw new BuildError(`request of ${x} wstETH wei is below Lido's ${LIDO_MIN_REQUEST_STETH}-wei minimum`, action);
  } else if (from === 'steth') {
    chunks = lidoChunks(x);
    fn = 'requestWithdrawals';
    token = l.steth;
    if (x < LIDO_MIN_REQUEST_STETH) throw new BuildError(`request of ${x} stETH wei is below Lido's ${LIDO_MIN_REQUEST_STETH}-wei minimum`, action);
  } else {
    throw new BuildError(`Lido's queue takes stETH or wstETH, not ${action.from}`, action);
  }
  return [
    approveExact(action, token, action.from, l.withdrawalQueue, 'lido.withdrawalQueue', x),
    callIntent({
      to: l.withdrawalQueue,
      abi: withdrawalQueueAbi,
      functionName: fn,
      args: [chunks, ctx.vault],
      contract: 'lido.withdrawalQueue',
      description: `queue ${fmt(x)} ${action.from} for withdrawal in ${chunks.length} request${chunks.length === 1 ? '' : 's'}, owner = vault`,
      valueAtRiskWei: valueWei(ctx, action, action.from, x),
    }),
  ];
}

function buildClaim(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const l = lido(ctx, action);
  const ids = requestIds(action, ctx);
  const hints = ctx.claimHints?.[claimKey(action, ids)];
  if (!hints) throw new BuildError(`claiming Lido requests ${ids.join(', ')} needs checkpoint hints (prepareAction reads findCheckpointHints)`, action);
  if (hints.length !== ids.length) throw new BuildError(`${hints.length} hints for ${ids.length} request ids`, action);
  return [
    callIntent({
      to: l.withdrawalQueue,
      abi: withdrawalQueueAbi,
      functionName: 'claimWithdrawals',
      args: [ids, [...hints]],
      contract: 'lido.withdrawalQueue',
      description: `claim Lido withdrawal request${ids.length === 1 ? '' : 's'} ${ids.join(', ')}; ETH is paid to the owner (vault)`,
      valueAtRiskWei: 0n,
    }),
  ];
}

async function prepare(action: PlannedAction, ctx: BuildContext, chain: ChainReader): Promise<BuildContext> {
  const l = lido(ctx, action);
  if (action.kind === 'redeem-claim') {
    const ids = requestIds(action, ctx);
    const key = claimKey(action, ids);
    if (ctx.claimHints?.[key]) return ctx;
    const last = await chain.readContract({ address: l.withdrawalQueue, abi: withdrawalQueueAbi, functionName: 'getLastCheckpointIndex' });
    if (last === 0n) throw new BuildError(`Lido has finalized nothing yet; requests ${ids.join(', ')} are not claimable`, action);
    const hints = await chain.readContract({ address: l.withdrawalQueue, abi: withdrawalQueueAbi, functionName: 'findCheckpointHints', args: [ids, 1n, last] });
    const missing = ids.filter((_, k) => (hints[k] ?? 0n) === 0n);
    if (missing.length > 0) throw new BuildError(`Lido requests ${missing.join(', ')} are not finalized yet`, action);
    return { ...ctx, claimHints: { ...ctx.claimHints, [key]: hints } };
  }
  if (action.kind === 'redeem-request' && role(ctx, action, action.from) === 'wsteth' && ctx.rates?.[action.from] === undefined) {
    const rate = await chain.readContract({ address: l.wsteth, abi: wstethExecAbi, functionName: 'stEthPerToken' });
    return { ...ctx, rates: { ...ctx.rates, [action.from]: rate } };
  }
  return ctx;
}

export const lidoBuilder: ProtocolBuilder = {
  protocol: 'lido',
  supports: (a) => venueProtocol(a.venue) === 'lido' && (a.kind === 'mint' || a.kind === 'redeem-request' || a.kind === 'redeem-claim'),
  build(action, ctx) {
    if (action.kind === 'mint') return buildMint(action, ctx);
    if (action.kind === 'redeem-request') return buildRequest(action, ctx);
    if (action.kind === 'redeem-claim') return buildClaim(action, ctx);
    throw new BuildError('Lido does not handle this kind', action);
  },
  prepare,
};
