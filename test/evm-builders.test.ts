import { join } from 'node:path';
import { BaseError, decodeErrorResult, erc20Abi, getAddress, maxUint256, type Abi, type Address, type Hex, type TransactionReceipt } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETH_SENTINEL } from '../src/chains/evm/builders/common.js';
import { LIDO_MAX_REQUEST_STETH, lidoBuilder, lidoChunks } from '../src/chains/evm/builders/lido.js';
import { KELP_REFERRAL_ID } from '../src/chains/evm/builders/kelp.js';
import { buildTargetsFromRegistry } from '../src/chains/evm/builders/mainnet.js';
import { BUILDERS, buildAction, builderFor, prepareAction } from '../src/chains/evm/builders/registry.js';
import type { BuildContext, EvmProtocolAddresses, TxIntent } from '../src/chains/evm/evm-tx.js';
import { loadYaml } from '../src/config/load-yaml.js';
import { RegistrySchema } from '../src/config/registry-schema.js';
import type { ActionKind, PlannedAction } from '../src/domain/action.js';
import { startAnvil, type Anvil } from './support/anvil.js';
import { deployExecDoubles, type ExecDoubles } from './support/exec-doubles.js';
import { testChain, type TestChain } from './support/solidity.js';

/**
 * The protocol transaction builders: first pure (which calls, in which order, with which arguments), then
 * sent from a vault account to functional Solidity doubles on anvil, checking that balances move the way
 * each action intends. The keeper signs as the vault here (anvil's second default account); the doubles'
 * admin is the first.
 */

const E18 = 10n ** 18n;
const eth = (n: number | string) => BigInt(Math.round(Number(n) * 1e6)) * 10n ** 12n;

const VENUE = {
  lidoMint: 'lido:mint',
  lidoRedeem: 'lido:redeem',
  lidoClaim: 'lido:claim',
  etherfiMint: 'etherfi:mint',
  etherfiRedeem: 'etherfi:redeem',
  etherfiClaim: 'etherfi:claim',
  renzoMint: 'renzo:mint',
  renzoRedeem: 'renzo:redeem',
  renzoClaim: 'renzo:claim',
  kelpMint: 'kelp:mint',
  kelpRedeem: 'kelp:redeem',
  kelpClaim: 'kelp:claim',
  aaveSupply: 'aave-v3-ethereum:supply',
  aaveWithdraw: 'aave-v3-ethereum:withdraw',
  curveSteth: 'Curve stETH/ETH (0xDC24316b9AE028F1497c275EB9192a3Ea0f67022)',
  curveWeeth: 'Curve weETH/WETH NG (0x13947303F63b363876868D070F14dc865C36463b)',
} as const;

let nextSeq = 0;
function act(kind: ActionKind, from: string, to: string, amountIn: bigint, venue: string, o: Partial<PlannedAction> = {}): PlannedAction {
  return { seq: nextSeq++, kind, from, to, amountIn, expectedOut: 0n, minOut: 0n, venue, estCostBase: 0n, delaySeconds: 0, reason: 'test', ...o };
}

const sigs = (txs: readonly TxIntent[]) => txs.map((t) => t.call.signature);

// ───────────────────────────── pure ─────────────────────────────

const A = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, '0')}`);
const VAULT = A(0xa11ce);
const P: EvmProtocolAddresses = {
  weth: A(0x10),
  lido: { steth: A(0x20), wsteth: A(0x21), withdrawalQueue: A(0x22) },
  etherfi: { liquidityPool: A(0x30), eeth: A(0x31), weeth: A(0x32), withdrawRequestNft: A(0x33), withdrawAdapter: A(0x34) },
  renzo: { restakeManager: A(0x40), ezeth: A(0x41), withdrawQueue: A(0x42) },
  kelp: { depositPool: A(0x50), rseth: A(0x51), withdrawalManager: A(0x52) },
  aave: { pool: A(0x60), aTokens: { 'aave-v3-WETH': A(0x61), 'aave-v3-wstETH': A(0x62), 'aave-v3-weETH': A(0x63) } },
  dex: {
    stETH: { kind: 'curve', pool: A(0x70), i: 1, j: 0, ethIsNative: true },
    weETH: { kind: 'curve', pool: A(0x71), i: 0, j: 1, ethIsNative: false },
  },
};
const RATES = { wstETH: 1_203_400_000_000_000_000n, weETH: 1_069_100_000_000_000_000n, ezETH: 1_039_100_000_000_000_000n, rsETH: 1_045_200_000_000_000_000n };
const CTX: BuildContext = {
  vault: VAULT,
  addresses: P,
  tokens: {
    WETH: P.weth,
    stETH: A(0x20),
    wstETH: A(0x21),
    eETH: A(0x31),
    weETH: A(0x32),
    ezETH: A(0x41),
    rsETH: A(0x51),
    'aave-v3-WETH': A(0x61),
    'aave-v3-wstETH': A(0x62),
    'aave-v3-weETH': A(0x63),
  },
  rates: RATES,
};

/** Every approve is for a bounded amount, and every address argument is the vault, a known contract, or the ETH sentinel. */
function checkInvariants(txs: readonly TxIntent[], ctx: BuildContext): void {
  const known = new Set<string>([ctx.vault, ETH_SENTINEL, ...Object.values(ctx.tokens), ctx.addresses.weth].map((a) => a.toLowerCase()));
  for (const p of [ctx.addresses.lido, ctx.addresses.etherfi, ctx.addresses.renzo, ctx.addresses.kelp, ctx.addresses.aave, ...Object.values(ctx.addresses.dex ?? {}), ctx.addresses.uniswapV3]) {
    const add = (v: unknown): void => {
      if (typeof v === 'string' && v.startsWith('0x')) known.add(v.toLowerCase());
      else if (typeof v === 'object' && v !== null) Object.values(v).forEach(add);
    };
    add(p);
  }
  for (const tx of txs) {
    expect(tx.valueAtRiskWei).toBeGreaterThanOrEqual(0n);
    if (tx.call.signature === 'approve(address,uint256)') {
      const amount = tx.call.args[1] as bigint;
      expect(amount).toBeGreaterThan(0n);
      expect(amount).toBeLessThan(maxUint256 / 2n);
      expect(tx.value).toBe(0n);
    }
    for (const arg of tx.call.args.flat()) {
      if (typeof arg === 'string' && /^0x[0-9a-fA-F]{40}$/.test(arg)) expect(known.has(arg.toLowerCase()), `${tx.description}: address ${arg}`).toBe(true);
    }
  }
}

function build(a: PlannedAction, ctx: BuildContext = CTX): TxIntent[] {
  const txs = buildAction(a, ctx);
  checkInvariants(txs, ctx);
  return txs;
}

describe('EVM builders (pure)', () => {
  it('mint ETH→wstETH: submit(vault) with the ETH, exact approval of X − 2 stETH to wstETH, wrap(X − 2)', () => {
    const x = eth(10);
    const txs = build(act('mint', 'ETH', 'wstETH', x, VENUE.lidoMint));
    expect(sigs(txs)).toEqual(['submit(address)', 'approve(address,uint256)', 'wrap(uint256)']);
    expect(txs.map((t) => t.to)).toEqual([P.lido?.steth, P.lido?.steth, P.lido?.wsteth]);
    expect(txs.map((t) => t.value)).toEqual([x, 0n, 0n]);
    expect(txs[0]?.call.args).toEqual([VAULT]);
    expect(txs[1]?.call.args).toEqual([P.lido?.wsteth, x - 2n]);
    expect(txs[2]?.call.args).toEqual([x - 2n]);
    expect(txs.map((t) => t.valueAtRiskWei)).toEqual([x, 0n, x - 2n]);
    expect(txs[1]?.description).toMatch(/approve exactly 9\.999999999999999998 stETH/);
  });

  it('mint ETH→stETH is one submit; stETH→wstETH wraps exactly; wstETH→stETH unwraps', () => {
    expect(sigs(build(act('mint', 'ETH', 'stETH', eth(1), VENUE.lidoMint)))).toEqual(['submit(address)']);
    const wrap = build(act('mint', 'stETH', 'wstETH', eth(3), VENUE.lidoMint));
    expect(sigs(wrap)).toEqual(['approve(address,uint256)', 'wrap(uint256)']);
    expect(wrap[0]?.call.args).toEqual([P.lido?.wsteth, eth(3)]);
    const unwrap = build(act('mint', 'wstETH', 'stETH', eth(2), VENUE.lidoMint));
    expect(sigs(unwrap)).toEqual(['unwrap(uint256)']);
    expect(unwrap[0]?.valueAtRiskWei).toBe((eth(2) * RATES.wstETH) / E18);
  });

  it('wstETH redeem-request above 1000 stETH: exact approval, even chunks each under the cap, owner = vault', () => {
    const x = eth(2500);
    const txs = build(act('redeem-request', 'wstETH', 'ETH', x, VENUE.lidoRedeem));
    expect(sigs(txs)).toEqual(['approve(address,uint256)', 'requestWithdrawalsWstETH(uint256[],address)']);
    expect(txs[0]?.to).toBe(P.lido?.wsteth);
    expect(txs[0]?.call.args).toEqual([P.lido?.withdrawalQueue, x]);
    const [chunks, owner] = txs[1]?.call.args as [bigint[], Address];
    expect(owner).toBe(VAULT);
    expect(chunks).toHaveLength(4); // 2500 wstETH ≈ 3008 stETH → 4 requests of ≈ 752 stETH
    expect(chunks.reduce((s, c) => s + c, 0n)).toBe(x);
    for (const c of chunks) expect((c * RATES.wstETH) / E18).toBeLessThanOrEqual(LIDO_MAX_REQUEST_STETH);
    expect(Math.max(...chunks.map(Number)) - Math.min(...chunks.map(Number))).toBeLessThanOrEqual(1);
    expect(txs[1]?.valueAtRiskWei).toBe((x * RATES.wstETH) / E18);
    // Without the rate it refuses rather than guess the chunk size.
    expect(() => buildAction(act('redeem-request', 'wstETH', 'ETH', x, VENUE.lidoRedeem), { ...CTX, rates: {} })).toThrow(/ctx\.rates\["wstETH"\]/);
  });

  it('stETH redeem-request: requestWithdrawals in chunks of at most 999 stETH; one chunk when small', () => {
    const txs = build(act('redeem-request', 'stETH', 'ETH', eth(2500), VENUE.lidoRedeem));
    expect(sigs(txs)).toEqual(['approve(address,uint256)', 'requestWithdrawals(uint256[],address)']);
    const [chunks] = txs[1]?.call.args as [bigint[]];
    expect(chunks).toHaveLength(3);
    expect(chunks.reduce((s, c) => s + c, 0n)).toBe(eth(2500));
    expect(lidoChunks(eth(500))).toEqual([eth(500)]);
    expect(lidoChunks(eth(999))).toEqual([eth(999)]);
    expect(lidoChunks(eth(1000))).toEqual([eth(500), eth(500)]);
    expect(() => build(act('redeem-request', 'stETH', 'ETH', 99n, VENUE.lidoRedeem))).toThrow(/100-wei minimum/);
  });

  it('Lido claim: claimWithdrawals(ids ascending, hints); without hints it asks for the prepare step', () => {
    const a = act('redeem-claim', 'wstETH', 'ETH', eth(3), VENUE.lidoClaim, { redemptionId: '14,12,13' });
    expect(() => buildAction(a, CTX)).toThrow(/needs checkpoint hints/);
    const txs = build(a, { ...CTX, claimHints: { '14,12,13': [1n, 1n, 2n] } });
    expect(sigs(txs)).toEqual(['claimWithdrawals(uint256[],uint256[])']);
    expect(txs[0]?.call.args).toEqual([[12n, 13n, 14n], [1n, 1n, 2n]]);
    expect(txs[0]?.valueAtRiskWei).toBe(0n);
    // Ids can also come from the context's pending requests for the asset.
    const fromCtx = build(act('redeem-claim', 'stETH', 'ETH', eth(1), VENUE.lidoClaim, { redemptionId: 'paper-7' }), { ...CTX, withdrawalRequests: { stETH: [9n] }, claimHints: { 'paper-7': [3n] } });
    expect(fromCtx[0]?.call.args).toEqual([[9n], [3n]]);
  });

  it('EtherFi: deposit() then exact eETH approval and wrap(X − 2); requests via the adapter or unwrap + pool; one claim per id', () => {
    const x = eth(4);
    const mint = build(act('mint', 'ETH', 'weETH', x, VENUE.etherfiMint));
    expect(sigs(mint)).toEqual(['deposit()', 'approve(address,uint256)', 'wrap(uint256)']);
    expect(mint.map((t) => t.to)).toEqual([P.etherfi?.liquidityPool, P.etherfi?.eeth, P.etherfi?.weeth]);
    expect(mint[0]?.value).toBe(x);
    expect(mint[1]?.call.args).toEqual([P.etherfi?.weeth, x - 2n]);

    const viaAdapter = build(act('redeem-request', 'weETH', 'ETH', x, VENUE.etherfiRedeem));
    expect(sigs(viaAdapter)).toEqual(['approve(address,uint256)', 'requestWithdraw(uint256,address)']);
    expect(viaAdapter[0]?.call.args).toEqual([P.etherfi?.withdrawAdapter, x]);
    expect(viaAdapter[1]?.call.args).toEqual([x, VAULT]);

    const noAdapter: BuildContext = { ...CTX, addresses: { ...P, etherfi: { ...(P.etherfi as NonNullable<EvmProtocolAddresses['etherfi']>), withdrawAdapter: undefined } } };
    const viaPool = build(act('redeem-request', 'weETH', 'ETH', x, VENUE.etherfiRedeem), noAdapter);
    const e = (x * RATES.weETH) / E18 - 2n;
    expect(sigs(viaPool)).toEqual(['unwrap(uint256)', 'approve(address,uint256)', 'requestWithdraw(address,uint256)']);
    expect(viaPool[1]?.call.args).toEqual([P.etherfi?.liquidityPool, e]);
    expect(viaPool[2]?.call.args).toEqual([VAULT, e]);

    const claim = build(act('redeem-claim', 'weETH', 'ETH', x, VENUE.etherfiClaim, { redemptionId: '7,5' }));
    expect(sigs(claim)).toEqual(['claimWithdraw(uint256)', 'claimWithdraw(uint256)']);
    expect(claim.map((t) => t.call.args[0])).toEqual([5n, 7n]);
  });

  it('Renzo: depositETH() or approve + deposit(token); withdraw(X, ETH sentinel) after exact approval; claim(index, vault)', () => {
    const x = eth(6);
    const mint = build(act('mint', 'ETH', 'ezETH', x, VENUE.renzoMint, { minOut: eth(5.7) }));
    expect(sigs(mint)).toEqual(['depositETH()']);
    expect(mint[0]?.value).toBe(x);
    expect(mint[0]?.description).toMatch(/no on-chain minimum/);
    const fromSteth = build(act('mint', 'stETH', 'ezETH', x, VENUE.renzoMint));
    expect(sigs(fromSteth)).toEqual(['approve(address,uint256)', 'deposit(address,uint256)']);
    expect(fromSteth[1]?.call.args).toEqual([P.lido?.steth, x]);

    const req = build(act('redeem-request', 'ezETH', 'ETH', x, VENUE.renzoRedeem));
    expect(sigs(req)).toEqual(['approve(address,uint256)', 'withdraw(uint256,address)']);
    expect(req[0]?.call.args).toEqual([P.renzo?.withdrawQueue, x]);
    expect(req[1]?.call.args).toEqual([x, ETH_SENTINEL]);
    expect(req[1]?.valueAtRiskWei).toBe((x * RATES.ezETH) / E18);

    const claim = act('redeem-claim', 'ezETH', 'ETH', x, VENUE.renzoClaim, { redemptionId: '3' });
    expect(() => buildAction(claim, CTX)).toThrow(/current index/);
    expect(build(claim, { ...CTX, claimHints: { '3': [1n] } })[0]?.call.args).toEqual([1n, VAULT]);
  });

  it('Kelp: depositETH(minOut, referral) with the action minOut; initiateWithdrawal / completeWithdrawal with the ETH sentinel', () => {
    const x = eth(5);
    const mint = build(act('mint', 'ETH', 'rsETH', x, VENUE.kelpMint, { minOut: eth(4.7) }));
    expect(sigs(mint)).toEqual(['depositETH(uint256,string)']);
    expect(mint[0]?.call.args).toEqual([eth(4.7), KELP_REFERRAL_ID]);
    expect(mint[0]?.value).toBe(x);
    expect(() => buildAction(act('mint', 'ETH', 'rsETH', x, VENUE.kelpMint), CTX)).toThrow(/positive minimum/);
    const fromSteth = build(act('mint', 'stETH', 'rsETH', x, VENUE.kelpMint, { minOut: eth(4.7) }));
    expect(sigs(fromSteth)).toEqual(['approve(address,uint256)', 'depositAsset(address,uint256,uint256,string)']);
    expect(fromSteth[1]?.call.args).toEqual([P.lido?.steth, x, eth(4.7), KELP_REFERRAL_ID]);

    const req = build(act('redeem-request', 'rsETH', 'ETH', x, VENUE.kelpRedeem));
    expect(sigs(req)).toEqual(['approve(address,uint256)', 'initiateWithdrawal(address,uint256,string)']);
    expect(req[0]?.call.args).toEqual([P.kelp?.withdrawalManager, x]);
    expect(req[1]?.call.args).toEqual([ETH_SENTINEL, x, KELP_REFERRAL_ID]);
    const claim = build(act('redeem-claim', 'rsETH', 'ETH', x, VENUE.kelpClaim, { redemptionId: 'r1' }));
    expect(sigs(claim)).toEqual(['completeWithdrawal(address,string)']);
    expect(claim[0]?.call.args).toEqual([ETH_SENTINEL, KELP_REFERRAL_ID]);
  });

  it('Aave: supply of ETH wraps, approves exactly and supplies on behalf of the vault; withdraw to ETH unwraps', () => {
    const x = eth(8);
    const supply = build(act('supply', 'ETH', 'aave-v3-WETH', x, VENUE.aaveSupply));
    expect(sigs(supply)).toEqual(['deposit()', 'approve(address,uint256)', 'supply(address,uint256,address,uint16)']);
    expect(supply.map((t) => t.to)).toEqual([P.weth, P.weth, P.aave?.pool]);
    expect(supply[0]?.value).toBe(x);
    expect(supply[1]?.call.args).toEqual([P.aave?.pool, x]);
    expect(supply[2]?.call.args).toEqual([P.weth, x, VAULT, 0]);

    const supplyWst = build(act('supply', 'wstETH', 'aave-v3-wstETH', x, VENUE.aaveSupply));
    expect(sigs(supplyWst)).toEqual(['approve(address,uint256)', 'supply(address,uint256,address,uint16)']);
    expect(supplyWst[1]?.call.args).toEqual([P.lido?.wsteth, x, VAULT, 0]);
    expect(supplyWst[1]?.valueAtRiskWei).toBe((x * RATES.wstETH) / E18);

    const out = build(act('withdraw', 'aave-v3-WETH', 'ETH', x, VENUE.aaveWithdraw));
    expect(sigs(out)).toEqual(['withdraw(address,uint256,address)', 'withdraw(uint256)']);
    expect(out[0]?.call.args).toEqual([P.weth, x, VAULT]);
    expect(out[1]?.to).toBe(P.weth);
    const outWst = build(act('withdraw', 'aave-v3-wstETH', 'wstETH', x, VENUE.aaveWithdraw));
    expect(sigs(outWst)).toEqual(['withdraw(address,uint256,address)']);
    expect(outWst[0]?.call.args).toEqual([P.lido?.wsteth, x, VAULT]);
    expect(() => buildAction(act('supply', 'rsETH', 'aave-v3-rsETH', x, VENUE.aaveSupply), CTX)).toThrow(/not a configured Aave reserve/);
  });

  it('Curve: sells approve exactly and exchange(i, j, dx, minOut); buys send ETH or wrap to WETH; the slippage bound travels with the leg', () => {
    const x = eth(10);
    const sell = build(act('sell', 'stETH', 'ETH', x, VENUE.curveSteth, { expectedOut: eth(9.99), minOut: eth(9.94) }));
    expect(sigs(sell)).toEqual(['approve(address,uint256)', 'exchange(int128,int128,uint256,uint256)']);
    expect(sell[0]?.call.args).toEqual([P.dex?.['stETH']?.pool, x]);
    expect(sell[1]?.call.args).toEqual([1n, 0n, x, eth(9.94)]);
    expect(sell[1]?.slippage).toEqual({ minOut: eth(9.94), quotedOut: eth(9.99) });

    const buy = build(act('buy', 'ETH', 'stETH', x, VENUE.curveSteth, { expectedOut: eth(10.01), minOut: eth(9.96) }));
    expect(sigs(buy)).toEqual(['exchange(int128,int128,uint256,uint256)']);
    expect(buy[0]?.call.args).toEqual([0n, 1n, x, eth(9.96)]);
    expect(buy[0]?.value).toBe(x);

    const sellWeeth = build(act('sell', 'weETH', 'ETH', x, VENUE.curveWeeth, { expectedOut: eth(10.6), minOut: eth(10.5) }));
    expect(sigs(sellWeeth)).toEqual(['approve(address,uint256)', 'exchange(int128,int128,uint256,uint256)', 'withdraw(uint256)']);
    expect(sellWeeth[1]?.call.args).toEqual([0n, 1n, x, eth(10.5)]);
    expect(sellWeeth[2]?.call.args).toEqual([eth(10.5)]);
    const buyWeeth = build(act('buy', 'ETH', 'weETH', x, VENUE.curveWeeth, { expectedOut: eth(9.3), minOut: eth(9.2) }));
    expect(sigs(buyWeeth)).toEqual(['deposit()', 'approve(address,uint256)', 'exchange(int128,int128,uint256,uint256)']);
    expect(buyWeeth[1]?.call.args).toEqual([P.dex?.['weETH']?.pool, x]);
    expect(buyWeeth[2]?.call.args).toEqual([1n, 0n, x, eth(9.2)]);
    expect(buyWeeth[2]?.value).toBe(0n);
  });

  it('Curve min-out: the larger of the planned bound and the fresh quote less the slippage bound; a quote under the bound is refused', () => {
    const a = act('sell', 'stETH', 'ETH', eth(10), VENUE.curveSteth, { expectedOut: eth(9.99), minOut: eth(9.9) });
    const fresh = build(a, { ...CTX, quotes: { [a.seq]: eth(10) }, maxSlippage: 0.005 });
    expect(fresh[1]?.call.args[3]).toBe(eth(9.95));
    expect(fresh[1]?.slippage).toEqual({ minOut: eth(9.95), quotedOut: eth(10) });
    // A fresh quote below the planner's own floor: refused before anything is sent.
    expect(() => buildAction(a, { ...CTX, quotes: { [a.seq]: eth(9.8) }, maxSlippage: 0.005 })).toThrow(/moved past the slippage bound/);
    // Without a fresh quote the planner's bound is used as is.
    expect(build(a)[1]?.call.args[3]).toBe(eth(9.9));
  });

  it('Uniswap v3: buys wrap, approve WETH exactly and exactInputSingle to the vault; sells approve, swap and unwrap minOut', () => {
    const UNI = 'Uniswap v3 wstETH/WETH 0.01 % pool';
    const router = A(0x5e11);
    const c: BuildContext = { ...CTX, addresses: { ...P, uniswapV3: { router, pools: { wstETH: { fee: 100 } } } } };
    const x = eth(10);
    const buy = buildAction(act('buy', 'ETH', 'wstETH', x, UNI, { expectedOut: eth(8.3), minOut: eth(8.25) }), c);
    expect(sigs(buy)).toEqual(['deposit()', 'approve(address,uint256)', 'exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))']);
    expect(buy[0]?.value).toBe(x);
    expect(buy[1]?.to).toBe(P.weth);
    expect(buy[1]?.call.args).toEqual([router, x]);
    expect(buy[2]?.to).toBe(router);
    expect(buy[2]?.data.slice(0, 10)).toBe('0x04e45aaf');
    expect(buy[2]?.call.args[0]).toEqual({ tokenIn: P.weth, tokenOut: CTX.tokens['wstETH'], fee: 100, recipient: VAULT, amountIn: x, amountOutMinimum: eth(8.25), sqrtPriceLimitX96: 0n });
    expect(buy[2]?.slippage).toEqual({ minOut: eth(8.25), quotedOut: eth(8.3) });
    const a = act('sell', 'wstETH', 'ETH', x, UNI, { expectedOut: eth(12), minOut: eth(11.9) });
    const sell = buildAction(a, { ...c, quotes: { [a.seq]: eth(12.03) }, maxSlippage: 0.005 });
    expect(sigs(sell)).toEqual(['approve(address,uint256)', 'exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))', 'withdraw(uint256)']);
    expect(sell[0]?.to).toBe(CTX.tokens['wstETH']);
    expect(sell[0]?.call.args).toEqual([router, x]);
    const minOut = (eth(12.03) * 995_000n) / 1_000_000n;
    expect(sell[1]?.call.args[0]).toMatchObject({ tokenIn: CTX.tokens['wstETH'], tokenOut: P.weth, recipient: VAULT, amountIn: x, amountOutMinimum: minOut });
    expect(sell[2]?.call.args).toEqual([minOut]);
    expect(() => buildAction(act('buy', 'ETH', 'wstETH', x, UNI, { minOut: eth(8) }), CTX)).toThrow(/no Uniswap v3 router configured/);
  });

  it('builderFor picks exactly one builder and names the action when none or several fit', () => {
    expect(builderFor(act('mint', 'ETH', 'wstETH', 1n, VENUE.lidoMint)).protocol).toBe('lido');
    expect(builderFor(act('sell', 'stETH', 'ETH', 1n, VENUE.curveSteth)).protocol).toBe('dex-curve');
    expect(builderFor(act('supply', 'ETH', 'aave-v3-WETH', 1n, VENUE.aaveSupply)).protocol).toBe('aave-v3');
    expect(new Set(BUILDERS.map((b) => b.protocol)).size).toBe(BUILDERS.length);
    const uni = act('buy', 'ETH', 'wstETH', 1n, 'Uniswap v3 wstETH/WETH 0.01 % pool');
    expect(builderFor(uni).protocol).toBe('dex-uniswap-v3');
    const bal = act('buy', 'ETH', 'wstETH', 1n, 'Balancer wstETH/WETH pool');
    expect(() => builderFor(bal)).toThrow(new RegExp(`action #${bal.seq} buy ETH→wstETH via "Balancer wstETH/WETH pool": no transaction builder supports it`));
    const twice = act('mint', 'ETH', 'stETH', 1n, VENUE.lidoMint);
    expect(() => builderFor(twice, [lidoBuilder, { ...lidoBuilder, protocol: 'lido-again' }])).toThrow(/several builders support it \(lido, lido-again\)/);
    expect(() => buildAction(act('mint', 'ETH', 'rsETH', 1n, VENUE.lidoMint), CTX)).toThrow(/Lido cannot mint rsETH from ETH/);
  });

  it('reads the mainnet build targets from the asset registry', () => {
    const registry = loadYaml(join(import.meta.dirname, '..', 'config', 'assets', 'ethereum.yaml'), RegistrySchema);
    const { addresses, tokens } = buildTargetsFromRegistry(registry);
    expect(addresses.weth).toBe('0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2');
    expect(addresses.lido).toEqual({ steth: '0xae7ab96520DE3A18E5e111B5EaAb095312D7fE84', wsteth: '0x7f39C581F595B53c5cb19bD0b3f8dA6c935E2Ca0', withdrawalQueue: '0x889edC2eDab5f40e902b864aD4d7AdE8E412F9B1' });
    expect(addresses.etherfi?.withdrawAdapter).toBe('0xFbfe6b9cEe0E555Bad7e2E7309EFFC75200cBE38');
    expect(addresses.renzo?.withdrawQueue).toBe('0x5efc9D10E42FB517456f4ac41EB5e2eBe42C8918');
    expect(addresses.kelp?.depositPool).toBe('0x036676389e48133B63a802f8635AD39E752D375D');
    expect(addresses.aave?.pool).toBe('0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2');
    expect(addresses.aave?.aTokens['aave-v3-wstETH']).toBe('0x0B925eD163218f6662a35e0f0371Ac234f9E9371');
    expect(addresses.dex?.['stETH']).toEqual({ kind: 'curve', pool: '0xDC24316b9AE028F1497c275EB9192a3Ea0f67022', i: 1, j: 0, ethIsNative: true });
    expect(addresses.dex?.['weETH']).toMatchObject({ i: 0, j: 1, ethIsNative: false });
    expect(tokens['ETH']).toBeUndefined();
    expect(tokens['aave-v3-WETH']).toBe('0x4d5F47FA6A74757f35C14fD3a6Ef8E3C9BC514E8');
    const ctx: BuildContext = { vault: VAULT, addresses, tokens, rates: RATES };
    const txs = build(act('mint', 'ETH', 'weETH', eth(1), VENUE.etherfiMint), ctx);
    expect(txs[0]?.to).toBe('0x308861A430be4cce5502d0A12724771Fc6DaF216');
    // The registry's own exit venues resolve to a builder (or to none, for the DEXes without one).
    for (const [id, a] of Object.entries(registry.assets)) {
      const venue = a.exit.dex?.venue;
      if (!venue) continue;
      const action = act('sell', id, 'ETH', eth(1), venue, { minOut: eth(0.9), expectedOut: eth(0.95) });
      if (/^curve/i.test(venue)) expect(builderFor(action).protocol).toBe('dex-curve');
      else if (/^uniswap v3/i.test(venue)) expect(builderFor(action).protocol).toBe('dex-uniswap-v3');
      else expect(() => builderFor(action)).toThrow(/no transaction builder/);
    }
  });
});

// ───────────────────────────── on anvil ─────────────────────────────

describe('EVM builders against the execution doubles on anvil', () => {
  let anvil: Anvil;
  let admin: TestChain;
  let vault: TestChain;
  let d: ExecDoubles;
  let ctx: BuildContext;
  const timings: string[] = [];

  beforeAll(async () => {
    const t0 = performance.now();
    anvil = await startAnvil();
    admin = testChain(anvil.rpcUrl);
    vault = testChain(anvil.rpcUrl, { accountIndex: 1 });
    d = await deployExecDoubles(admin);
    ctx = { vault: vault.account.address, addresses: d.addresses, tokens: d.tokens, rates: d.rates };
    timings.push(`setup ${(performance.now() - t0).toFixed(0)} ms`);
  });

  afterAll(async () => {
    await anvil?.stop();
    if (timings.length) console.log(`evm-builders on anvil: ${timings.join(', ')}`);
  });

  async function balanceOf(asset: string): Promise<bigint> {
    if (asset === 'ETH') return vault.client.getBalance({ address: vault.account.address });
    return vault.client.readContract({ address: d.tokens[asset] as Address, abi: erc20Abi, functionName: 'balanceOf', args: [vault.account.address] });
  }

  async function balances(...assets: string[]): Promise<Record<string, bigint>> {
    return Object.fromEntries(await Promise.all(assets.map(async (a) => [a, await balanceOf(a)] as const)));
  }

  async function sendTx(tx: TxIntent, gas?: bigint): Promise<TransactionReceipt> {
    const hash = await vault.wallet.sendTransaction({ to: tx.to, data: tx.data, value: tx.value, ...(gas ? { gas } : {}) });
    return vault.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  }

  /** Prepares, builds and sends every transaction of the action; returns the ETH spent on gas. */
  async function execute(a: PlannedAction, c: BuildContext = ctx): Promise<{ txs: TxIntent[]; gasWei: bigint }> {
    const txs = buildAction(a, await prepareAction(a, c, vault.client));
    checkInvariants(txs, c);
    let gasWei = 0n;
    for (const tx of txs) {
      const r = await sendTx(tx);
      if (r.status !== 'success') throw new Error(`${tx.description} reverted`);
      gasWei += r.gasUsed * r.effectiveGasPrice;
    }
    return { txs, gasWei };
  }

  /** The revert reason of a transaction if it were sent now: the Error(string) message or the custom error's name. */
  async function revertOf(tx: TxIntent, abi: Abi): Promise<string | undefined> {
    try {
      await vault.client.call({ account: vault.account, to: tx.to, data: tx.data, value: tx.value });
      return undefined;
    } catch (e) {
      // The revert data sits on some error in the cause chain (RPC error or RawContractError), as hex or {data: hex}.
      const hexOf = (x: unknown): Hex | undefined => {
        const v = (x as { data?: unknown } | null)?.data;
        if (typeof v === 'string' && v.startsWith('0x')) return v as Hex;
        const inner = (v as { data?: unknown } | null | undefined)?.data;
        return typeof inner === 'string' && inner.startsWith('0x') ? (inner as Hex) : undefined;
      };
      const holder = e instanceof BaseError ? e.walk((x) => hexOf(x) !== undefined) : undefined;
      const data = hexOf(holder);
      if (!data) throw e;
      const decoded = decodeErrorResult({ abi, data });
      return decoded.errorName === 'Error' ? String(decoded.args?.[0]) : decoded.errorName;
    }
  }

  async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings.push(`${name} ${(performance.now() - t0).toFixed(0)} ms`);
    }
  }

  const allowance = (token: Address, spender: Address) => vault.client.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [vault.account.address, spender] });

  it('mint ETH→wstETH: the vault holds the wstETH of X − 2 stETH, 1 wei of stETH dust from share rounding', () =>
    timed('lido mint', async () => {
      const x = eth(1600);
      const before = await balances('ETH', 'stETH', 'wstETH');
      const { gasWei } = await execute(act('mint', 'ETH', 'wstETH', x, VENUE.lidoMint));
      const after = await balances('ETH', 'stETH', 'wstETH');
      expect(after['wstETH']! - before['wstETH']!).toBe(((x - 2n) * E18) / d.rates['wstETH']!);
      expect(after['stETH']! - before['stETH']!).toBe(1n); // the double mints X − 1; X − 2 were wrapped
      expect(before['ETH']! - after['ETH']! - gasWei).toBe(x);
      expect(await allowance(d.tokens['stETH']!, d.tokens['wstETH']!)).toBe(0n);
    }));

  it('wstETH redeem-request above 1000 stETH → two requests owned by the vault; finalize; claim with hints pays the ETH back', () =>
    timed('lido request+claim', async () => {
      const q = d.admin.contracts.lidoQueue;
      const qAbi = d.admin.abi('WithdrawalQueueDouble');
      const x = eth(1300);
      const w0 = await balanceOf('wstETH');
      const { txs } = await execute(act('redeem-request', 'wstETH', 'ETH', x, VENUE.lidoRedeem));
      const chunks = txs[1]?.call.args[0] as bigint[];
      expect(chunks).toHaveLength(2);
      expect(w0 - (await balanceOf('wstETH'))).toBe(x);
      expect(await allowance(d.tokens['wstETH']!, q)).toBe(0n);
      const ids = (await vault.client.readContract({ address: q, abi: qAbi, functionName: 'getWithdrawalRequests', args: [vault.account.address] })) as bigint[];
      expect(ids).toHaveLength(2);
      const claim = act('redeem-claim', 'wstETH', 'ETH', 0n, VENUE.lidoClaim, { redemptionId: ids.join(',') });
      await expect(prepareAction(claim, ctx, vault.client)).rejects.toThrow(/finalized nothing yet|not finalized/);
      await d.admin.finalizeLido();
      const prepared = await prepareAction(claim, ctx, vault.client);
      expect(prepared.claimHints?.[ids.join(',')]).toEqual([1n, 1n]);
      const e0 = await balanceOf('ETH');
      const { gasWei } = await execute(claim);
      const owed = chunks.reduce((s, c) => s + (c * d.rates['wstETH']!) / E18, 0n);
      expect((await balanceOf('ETH')) - e0 + gasWei).toBe(owed);
      // Claimed requests are gone; claiming again is refused by the queue.
      const again = buildAction(claim, prepared);
      expect(await revertOf(again[0]!, qAbi)).toBe('RequestAlreadyClaimed');
    }));

  it('Curve stETH/ETH: sell at a fresh quote; an impossible minOut reverts with the pool reason and moves nothing', () =>
    timed('curve stETH', async () => {
      await execute(act('mint', 'ETH', 'stETH', eth(20), VENUE.lidoMint));
      const poolAbi = d.admin.abi('CurveExchangeDouble');
      const pool = d.admin.contracts.curveSteth;
      const x = eth(10);
      const quote = (await vault.client.readContract({ address: pool, abi: poolAbi, functionName: 'get_dy', args: [1n, 0n, x] })) as bigint;
      const sell = act('sell', 'stETH', 'ETH', x, VENUE.curveSteth, { expectedOut: quote, minOut: (quote * 99n) / 100n });
      const before = await balances('ETH', 'stETH');
      const { txs, gasWei } = await execute(sell, { ...ctx, maxSlippage: 0.005 });
      expect(txs[1]?.slippage?.quotedOut).toBe(quote);
      expect(txs[1]?.call.args[3]).toBe((quote * 995_000n) / 1_000_000n);
      const after = await balances('ETH', 'stETH');
      expect(before['stETH']! - after['stETH']!).toBe(x);
      expect(after['ETH']! - before['ETH']! + gasWei).toBe(quote);

      // The planner's minOut is impossible: with a fresh quote the builder refuses; sent anyway, the pool reverts.
      const greedy = act('sell', 'stETH', 'ETH', eth(5), VENUE.curveSteth, { expectedOut: eth(10), minOut: eth(9) });
      await expect(prepareAction(greedy, ctx, vault.client).then((c) => buildAction(greedy, c))).rejects.toThrow(/moved past the slippage bound/);
      const txs2 = buildAction(greedy, ctx);
      const stBefore = await balanceOf('stETH');
      expect((await sendTx(txs2[0]!)).status).toBe('success');
      expect(await revertOf(txs2[1]!, poolAbi)).toBe('Exchange resulted in fewer coins than expected');
      expect((await sendTx(txs2[1]!, 300_000n)).status).toBe('reverted');
      expect(await balanceOf('stETH')).toBe(stBefore);
    }));

  it('Curve stETH/ETH: buy with native ETH gets the quoted stETH', () =>
    timed('curve buy', async () => {
      const x = eth(5);
      const quote = (await vault.client.readContract({ address: d.admin.contracts.curveSteth, abi: d.admin.abi('CurveExchangeDouble'), functionName: 'get_dy', args: [0n, 1n, x] })) as bigint;
      const before = await balances('ETH', 'stETH');
      const { gasWei } = await execute(act('buy', 'ETH', 'stETH', x, VENUE.curveSteth, { expectedOut: quote, minOut: (quote * 99n) / 100n }));
      const after = await balances('ETH', 'stETH');
      expect(after['stETH']! - before['stETH']!).toBe(quote);
      expect(before['ETH']! - after['ETH']! - gasWei).toBe(x);
    }));

  it('EtherFi: mint weETH; request via the adapter and via unwrap + pool; claims before finalization revert; after it both pay', () =>
    timed('etherfi', async () => {
      const rate = d.rates['weETH']!;
      const x = eth(30);
      const b0 = await balances('weETH', 'eETH');
      await execute(act('mint', 'ETH', 'weETH', x, VENUE.etherfiMint));
      const b1 = await balances('weETH', 'eETH');
      expect(b1['weETH']! - b0['weETH']!).toBe(((x - 2n) * E18) / rate);
      expect(b1['eETH']! - b0['eETH']!).toBe(1n);

      const nft = d.admin.contracts.withdrawRequestNft;
      const nftAbi = d.admin.abi('WithdrawRequestNFTDouble');
      const nextId = async () => (await vault.client.readContract({ address: nft, abi: nftAbi, functionName: 'nextRequestId' })) as bigint;
      const id1 = await nextId();
      await execute(act('redeem-request', 'weETH', 'ETH', eth(10), VENUE.etherfiRedeem));
      // Without the adapter (and without a weETH rate: prepare reads getRate()).
      const { weETH: _weethRate, ...otherRates } = ctx.rates ?? {};
      const noAdapter: BuildContext = { ...ctx, rates: otherRates, addresses: { ...ctx.addresses, etherfi: { ...ctx.addresses.etherfi!, withdrawAdapter: undefined } } };
      const { txs } = await execute(act('redeem-request', 'weETH', 'ETH', eth(10), VENUE.etherfiRedeem), noAdapter);
      expect(sigs(txs)).toEqual(['unwrap(uint256)', 'approve(address,uint256)', 'requestWithdraw(address,uint256)']);
      const id2 = id1 + 1n;
      expect(await nextId()).toBe(id2 + 1n);
      expect(await vault.client.readContract({ address: nft, abi: nftAbi, functionName: 'ownerOf', args: [id2] })).toBe(vault.account.address);
      expect(b1['weETH']! - (await balanceOf('weETH'))).toBe(eth(20));

      const claim = act('redeem-claim', 'weETH', 'ETH', 0n, VENUE.etherfiClaim, { redemptionId: `${id1},${id2}` });
      expect(await revertOf(buildAction(claim, ctx)[0]!, nftAbi)).toBe('Request is not finalized');
      await d.admin.finalizeEtherFi();
      const e0 = await balanceOf('ETH');
      const { gasWei } = await execute(claim);
      const owed = (eth(10) * rate) / E18 + ((eth(10) * rate) / E18 - 2n);
      expect((await balanceOf('ETH')) - e0 + gasWei).toBe(owed);
    }));

  it('Renzo: mint ezETH; two requests; an early claim reverts EarlyClaim(); after the cooldown both claims pay (indices move)', () =>
    timed('renzo', async () => {
      const rate = d.rates['ezETH']!;
      const z0 = await balanceOf('ezETH');
      await execute(act('mint', 'ETH', 'ezETH', eth(20), VENUE.renzoMint, { minOut: eth(19) }));
      expect((await balanceOf('ezETH')) - z0).toBe((eth(20) * E18) / rate);

      const q = d.admin.contracts.renzoQueue;
      const qAbi = d.admin.abi('RenzoWithdrawQueueDouble');
      const nonce = async () => (await vault.client.readContract({ address: q, abi: qAbi, functionName: 'withdrawRequestNonce' })) as bigint;
      await execute(act('redeem-request', 'ezETH', 'ETH', eth(5), VENUE.renzoRedeem));
      const idA = await nonce();
      await execute(act('redeem-request', 'ezETH', 'ETH', eth(7), VENUE.renzoRedeem));
      const idB = await nonce();
      expect(await allowance(d.tokens['ezETH']!, q)).toBe(0n);

      const claimB = act('redeem-claim', 'ezETH', 'ETH', 0n, VENUE.renzoClaim, { redemptionId: String(idB) });
      const early = buildAction(claimB, await prepareAction(claimB, ctx, vault.client));
      expect(early[0]?.call.args).toEqual([1n, vault.account.address]);
      expect(await revertOf(early[0]!, qAbi)).toBe('EarlyClaim');

      await d.admin.increaseTime(259_200n);
      const e0 = await balanceOf('ETH');
      const g1 = await execute(act('redeem-claim', 'ezETH', 'ETH', 0n, VENUE.renzoClaim, { redemptionId: String(idA) }));
      // Claiming A (index 0) swapped B into index 0: prepare finds it there.
      const preparedB = await prepareAction(claimB, ctx, vault.client);
      expect(preparedB.claimHints?.[String(idB)]).toEqual([0n]);
      const g2 = await execute(claimB);
      expect((await balanceOf('ETH')) - e0 + g1.gasWei + g2.gasWei).toBe((eth(5) * rate) / E18 + (eth(7) * rate) / E18);
    }));

  it('Kelp: depositETH honours minOut (an impossible one reverts); withdrawal locked until unlocked and delayed; then pays', () =>
    timed('kelp', async () => {
      const price = d.rates['rsETH']!;
      const poolAbi = d.admin.abi('LRTDepositPoolDouble');
      const mAbi = d.admin.abi('LRTWithdrawalManagerDouble');
      const x = eth(10);
      const minted = (x * E18) / price;
      const greedy = buildAction(act('mint', 'ETH', 'rsETH', x, VENUE.kelpMint, { minOut: minted + 1n }), ctx);
      expect(await revertOf(greedy[0]!, poolAbi)).toBe('MinimumAmountToReceiveNotMet');
      const r0 = await balanceOf('rsETH');
      await execute(act('mint', 'ETH', 'rsETH', x, VENUE.kelpMint, { minOut: (minted * 999n) / 1000n }));
      expect((await balanceOf('rsETH')) - r0).toBe(minted);

      await execute(act('redeem-request', 'rsETH', 'ETH', eth(4), VENUE.kelpRedeem));
      const claim = act('redeem-claim', 'rsETH', 'ETH', 0n, VENUE.kelpClaim);
      const tx = buildAction(claim, ctx)[0]!;
      expect(await revertOf(tx, mAbi)).toBe('WithdrawalLocked');
      await d.admin.unlockKelp();
      expect(await revertOf(tx, mAbi)).toBe('WithdrawalDelayNotPassed');
      await d.admin.mine(10n);
      const e0 = await balanceOf('ETH');
      const { gasWei } = await execute(claim);
      expect((await balanceOf('ETH')) - e0 + gasWei).toBe((eth(4) * price) / E18);
    }));

  it('Aave: supply ETH as WETH and withdraw back to ETH; supply and withdraw wstETH; aTokens track 1:1', () =>
    timed('aave', async () => {
      const b0 = await balances('ETH', 'WETH', 'aave-v3-WETH');
      const s = await execute(act('supply', 'ETH', 'aave-v3-WETH', eth(8), VENUE.aaveSupply));
      const b1 = await balances('ETH', 'WETH', 'aave-v3-WETH');
      expect(b1['aave-v3-WETH']! - b0['aave-v3-WETH']!).toBe(eth(8));
      expect(b1['WETH']).toBe(b0['WETH']);
      expect(b0['ETH']! - b1['ETH']! - s.gasWei).toBe(eth(8));
      expect(await allowance(d.tokens['WETH']!, d.admin.contracts.aavePool)).toBe(0n);

      const w = await execute(act('withdraw', 'aave-v3-WETH', 'ETH', eth(3), VENUE.aaveWithdraw));
      const b2 = await balances('ETH', 'WETH', 'aave-v3-WETH');
      expect(b1['aave-v3-WETH']! - b2['aave-v3-WETH']!).toBe(eth(3));
      expect(b2['ETH']! - b1['ETH']! + w.gasWei).toBe(eth(3));
      expect(b2['WETH']).toBe(b0['WETH']);

      const c0 = await balances('wstETH', 'aave-v3-wstETH');
      await execute(act('supply', 'wstETH', 'aave-v3-wstETH', eth(10), VENUE.aaveSupply));
      expect((await balanceOf('aave-v3-wstETH')) - c0['aave-v3-wstETH']!).toBe(eth(10));
      expect(c0['wstETH']! - (await balanceOf('wstETH'))).toBe(eth(10));
      await execute(act('withdraw', 'aave-v3-wstETH', 'wstETH', eth(10), VENUE.aaveWithdraw));
      expect(await balances('wstETH', 'aave-v3-wstETH')).toEqual(c0);
    }));

  it('Curve weETH/WETH: a sell unwraps the guaranteed minOut (the rest stays WETH); a buy wraps ETH first', () =>
    timed('curve weETH', async () => {
      const pool = d.admin.contracts.curveWeeth;
      const poolAbi = d.admin.abi('CurveExchangeDouble');
      const x = eth(5);
      const quote = (await vault.client.readContract({ address: pool, abi: poolAbi, functionName: 'get_dy', args: [0n, 1n, x] })) as bigint;
      const b0 = await balances('ETH', 'WETH', 'weETH');
      const { txs, gasWei } = await execute(act('sell', 'weETH', 'ETH', x, VENUE.curveWeeth, { expectedOut: quote, minOut: (quote * 99n) / 100n }), { ...ctx, maxSlippage: 0.005 });
      const minOut = txs[1]?.call.args[3] as bigint;
      expect(minOut).toBe((quote * 995_000n) / 1_000_000n);
      const b1 = await balances('ETH', 'WETH', 'weETH');
      expect(b0['weETH']! - b1['weETH']!).toBe(x);
      expect(b1['ETH']! - b0['ETH']! + gasWei).toBe(minOut);
      expect(b1['WETH']! - b0['WETH']!).toBe(quote - minOut);

      const y = eth(2);
      const q2 = (await vault.client.readContract({ address: pool, abi: poolAbi, functionName: 'get_dy', args: [1n, 0n, y] })) as bigint;
      const buy = await execute(act('buy', 'ETH', 'weETH', y, VENUE.curveWeeth, { expectedOut: q2, minOut: (q2 * 99n) / 100n }));
      const b2 = await balances('ETH', 'WETH', 'weETH');
      expect(b2['weETH']! - b1['weETH']!).toBe(q2);
      expect(b1['ETH']! - b2['ETH']! - buy.gasWei).toBe(y);
      expect(b2['WETH']).toBe(b1['WETH']);
    }));
  it('Uniswap v3 wstETH/WETH: a buy wraps ETH and gets the quoted wstETH; a sell pays WETH, unwrapping minOut; below the minimum it reverts', () =>
    timed('uniswap v3', async () => {
      const UNI = 'Uniswap v3 wstETH/WETH 0.01 % pool';
      const router = d.admin.contracts.uniswapRouter;
      const rAbi = d.admin.abi('UniswapV3RouterDouble');
      const quote = async (tokenIn: Address, tokenOut: Address, amountIn: bigint) =>
        (await vault.client.readContract({ address: router, abi: rAbi, functionName: 'amountOutFor', args: [tokenIn, tokenOut, 100, amountIn] })) as bigint;
      const x = eth(3);
      const q = await quote(d.tokens['WETH'] as Address, d.tokens['wstETH'] as Address, x);
      const b0 = await balances('ETH', 'WETH', 'wstETH');
      const buy = await execute(act('buy', 'ETH', 'wstETH', x, UNI, { expectedOut: q, minOut: (q * 99n) / 100n }), { ...ctx, maxSlippage: 0.005 });
      const b1 = await balances('ETH', 'WETH', 'wstETH');
      expect(b1['wstETH']! - b0['wstETH']!).toBe(q);
      expect(b0['ETH']! - b1['ETH']! - buy.gasWei).toBe(x);
      expect(b1['WETH']).toBe(b0['WETH']);
      expect(await allowance(d.tokens['WETH'] as Address, router)).toBe(0n);

      const y = q / 2n;
      const q2 = await quote(d.tokens['wstETH'] as Address, d.tokens['WETH'] as Address, y);
      const sell = await execute(act('sell', 'wstETH', 'ETH', y, UNI, { expectedOut: q2, minOut: (q2 * 99n) / 100n }), { ...ctx, maxSlippage: 0.005 });
      const minOut = (q2 * 995_000n) / 1_000_000n;
      const b2 = await balances('ETH', 'WETH', 'wstETH');
      expect(b1['wstETH']! - b2['wstETH']!).toBe(y);
      expect(b2['ETH']! - b1['ETH']! + sell.gasWei).toBe(minOut);
      expect(b2['WETH']! - b1['WETH']!).toBe(q2 - minOut);
      expect(await allowance(d.tokens['wstETH'] as Address, router)).toBe(0n);

      // Asking for more than the pool gives reverts with the router's reason.
      const greedy = buildAction(act('sell', 'wstETH', 'ETH', y, UNI, { expectedOut: q2 + 1n, minOut: q2 + 1n }), ctx);
      await sendTx(greedy[0]!);
      expect(await revertOf(greedy[1]!, rAbi)).toBe('Too little received');
    }));
});
