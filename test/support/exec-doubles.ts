import { join } from 'node:path';
import { createTestClient, http, type Abi, type Address } from 'viem';
import type { EvmProtocolAddresses } from '../../src/chains/evm/evm-tx.js';
import { artifact, compileDir, deploy, type Artifact, type TestChain } from './solidity.js';

/**
 * Deploys the execution doubles (test/contracts/exec) on an anvil node and wires them the way the mainnet
 * contracts are wired, then seeds the Curve pools with liquidity. Everything is sent from the chain's
 * account (anvil account 0 by default), which becomes the doubles' admin; the vault is a different account.
 *
 * Returns the build targets (EvmProtocolAddresses + token map, shaped like buildTargetsFromRegistry's), the
 * fair rates the doubles were set to (for BuildContext.rates), and admin helpers for what the protocols'
 * operators do between a request and a claim (finalize, unlock, time passing).
 */

const E18 = 10n ** 18n;
const ETH_SENTINEL: Address = '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE';

export interface ExecDoubleOptions {
  /** stETH per wstETH, 1e18 (default 1.2034). */
  readonly wstethRate?: bigint;
  /** eETH per weETH, 1e18 (default 1.0691). */
  readonly weethRate?: bigint;
  /** ETH per ezETH, 1e18 (default 1.0391). */
  readonly ezethRate?: bigint;
  /** ETH per rsETH, 1e18 (default 1.0452). */
  readonly rsethPrice?: bigint;
  /** Renzo WithdrawQueue cooldown, seconds (default 3 days). */
  readonly renzoCoolDownSeconds?: bigint;
  /** Kelp withdrawalDelayBlocks (default 10). */
  readonly kelpDelayBlocks?: bigint;
  /** Market price of each receipt token in ETH on its Curve pool, 1e18 (defaults: 0.9995 stETH, 0.998 × fair for weETH and ezETH). */
  readonly curvePrices?: Partial<Record<'stETH' | 'weETH' | 'ezETH', bigint>>;
  /** Curve fee, 1e10 denominator (default 1e6 = 0.01 %). */
  readonly curveFee?: bigint;
  /** Liquidity seeded on each side of each Curve pool, whole tokens (default 300). */
  readonly curveSeed?: bigint;
  /**
   * Uniswap v3 wstETH/WETH (fee 100) prices, 1e18: wstETH per WETH when buying, WETH per wstETH when selling
   * (defaults: the fair rate less the 0.01 % pool fee each way). Seeded with `curveSeed` of each token.
   */
  readonly uniswapPrices?: Partial<Record<'buy' | 'sell', bigint>>;
}

export interface ExecDoubleContracts {
  readonly weth: Address;
  readonly steth: Address;
  readonly wsteth: Address;
  readonly lidoQueue: Address;
  readonly eeth: Address;
  readonly liquidityPool: Address;
  readonly weeth: Address;
  readonly withdrawRequestNft: Address;
  readonly weethAdapter: Address;
  readonly ezeth: Address;
  readonly restakeManager: Address;
  readonly renzoQueue: Address;
  readonly rseth: Address;
  readonly kelpDepositPool: Address;
  readonly kelpWithdrawalManager: Address;
  readonly aavePool: Address;
  readonly curveSteth: Address;
  readonly curveWeeth: Address;
  readonly curveEzeth: Address;
  /** Uniswap v3 SwapRouter02 double; also answers QuoterV2's quoteExactInputSingle. */
  readonly uniswapRouter: Address;
}

export interface ExecDoubles {
  readonly addresses: EvmProtocolAddresses;
  /** Token per asset id (registry ids: WETH, stETH, wstETH, weETH, ezETH, rsETH, aave-v3-*; plus eETH). ETH has none. */
  readonly tokens: Readonly<Record<string, Address>>;
  /** Fair rates the doubles were set to, wei per 1e18 units, for BuildContext.rates. */
  readonly rates: Readonly<Record<string, bigint>>;
  readonly admin: ExecDoubleAdmin;
}

export interface ExecDoubleAdmin {
  readonly account: Address;
  readonly contracts: ExecDoubleContracts;
  /** Every compiled exec double by contract name (ABIs for reads and decoding reverts). */
  readonly artifacts: Readonly<Record<string, Artifact>>;
  abi(contractName: string): Abi;
  /** Lido oracle report: finalizes requests up to `upTo` (default: all), paying the ETH they are owed. */
  finalizeLido(upTo?: bigint): Promise<void>;
  /** EtherFiAdmin: finalizes requests up to `upTo` (default: all minted so far). */
  finalizeEtherFi(upTo?: bigint): Promise<void>;
  /** Kelp operator unlockQueue: unlocks requests with nonce below `firstExcluded` (default: all). */
  unlockKelp(firstExcluded?: bigint): Promise<void>;
  setRenzoCoolDown(seconds: bigint): Promise<void>;
  setCurvePrice(asset: 'stETH' | 'weETH' | 'ezETH', direction: 'sell' | 'buy', price: bigint): Promise<void>;
  /** Uniswap v3 wstETH/WETH price, 1e18: wstETH per WETH ('buy') or WETH per wstETH ('sell'). */
  setUniswapPrice(direction: 'sell' | 'buy', price: bigint): Promise<void>;
  /** Advances block time by `seconds` and mines a block. */
  increaseTime(seconds: bigint): Promise<void>;
  mine(blocks: bigint): Promise<void>;
}

/** Like solidity.ts `send`, with an optional msg.value. */
async function send(t: TestChain, address: Address, abi: Abi, functionName: string, args: readonly unknown[] = [], value?: bigint): Promise<void> {
  const hash = await t.wallet.writeContract({ address, abi, functionName, args, ...(value !== undefined ? { value } : {}) } as Parameters<typeof t.wallet.writeContract>[0]);
  const receipt = await t.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (receipt.status !== 'success') throw new Error(`${functionName} on ${address} reverted (tx ${hash})`);
}

let artifactsCache: Readonly<Record<string, Artifact>> | undefined;

/** The exec doubles compiled (once per process). */
export function execArtifacts(): Readonly<Record<string, Artifact>> {
  artifactsCache ??= compileDir(join(import.meta.dirname, '..', 'contracts', 'exec'));
  return artifactsCache;
}

export async function deployExecDoubles(t: TestChain, opts: ExecDoubleOptions = {}): Promise<ExecDoubles> {
  const arts = execArtifacts();
  const a = (n: string) => artifact(arts, n);
  const abi = (n: string) => a(n).abi;
  const wstethRate = opts.wstethRate ?? 1_203_400_000_000_000_000n;
  const weethRate = opts.weethRate ?? 1_069_100_000_000_000_000n;
  const ezethRate = opts.ezethRate ?? 1_039_100_000_000_000_000n;
  const rsethPrice = opts.rsethPrice ?? 1_045_200_000_000_000_000n;
  const fee = opts.curveFee ?? 1_000_000n;
  const seed = (opts.curveSeed ?? 300n) * E18;
  const rpcUrl = t.chain.rpcUrls.default.http[0] as string;
  const testClient = createTestClient({ chain: t.chain, mode: 'anvil', transport: http(rpcUrl, { retryCount: 0 }) });

  const weth = await deploy(t, a('WETH9Double'));
  // Lido
  const steth = await deploy(t, a('StETHDouble'));
  const wsteth = await deploy(t, a('WstETHExecDouble'), [steth, wstethRate]);
  const lidoQueue = await deploy(t, a('WithdrawalQueueDouble'), [steth, wsteth]);
  // EtherFi
  const eeth = await deploy(t, a('EETHDouble'));
  const liquidityPool = await deploy(t, a('LiquidityPoolDouble'), [eeth]);
  await send(t, eeth, abi('EETHDouble'), 'setMinter', [liquidityPool, true]);
  const weeth = await deploy(t, a('WeETHExecDouble'), [eeth, weethRate]);
  const withdrawRequestNft = await deploy(t, a('WithdrawRequestNFTDouble'), [liquidityPool]);
  await send(t, liquidityPool, abi('LiquidityPoolDouble'), 'setWithdrawRequestNFT', [withdrawRequestNft]);
  const weethAdapter = await deploy(t, a('WeETHWithdrawAdapterDouble'), [weeth, eeth, liquidityPool]);
  // Renzo
  const ezeth = await deploy(t, a('EzETHDouble'));
  const restakeManager = await deploy(t, a('RestakeManagerDouble'), [ezeth, ezethRate]);
  const renzoQueue = await deploy(t, a('RenzoWithdrawQueueDouble'), [ezeth, restakeManager, opts.renzoCoolDownSeconds ?? 259_200n]);
  await send(t, ezeth, abi('EzETHDouble'), 'setMinter', [restakeManager, true]);
  await send(t, ezeth, abi('EzETHDouble'), 'setMinter', [renzoQueue, true]);
  await send(t, restakeManager, abi('RestakeManagerDouble'), 'setWithdrawQueue', [renzoQueue]);
  await send(t, restakeManager, abi('RestakeManagerDouble'), 'setCollateral', [steth, E18]);
  // Kelp
  const rseth = await deploy(t, a('RsETHDouble'));
  const kelpDepositPool = await deploy(t, a('LRTDepositPoolDouble'), [rseth, rsethPrice]);
  const kelpWithdrawalManager = await deploy(t, a('LRTWithdrawalManagerDouble'), [rseth, kelpDepositPool, opts.kelpDelayBlocks ?? 10n]);
  await send(t, rseth, abi('RsETHDouble'), 'setMinter', [kelpDepositPool, true]);
  await send(t, rseth, abi('RsETHDouble'), 'setMinter', [kelpWithdrawalManager, true]);
  await send(t, kelpDepositPool, abi('LRTDepositPoolDouble'), 'setWithdrawalManager', [kelpWithdrawalManager]);
  await send(t, kelpDepositPool, abi('LRTDepositPoolDouble'), 'setAssetPrice', [steth, E18]);
  // Aave
  const aavePool = await deploy(t, a('AavePoolExecDouble'));
  const aaveAbi = abi('AavePoolExecDouble');
  const aTokens: Record<string, Address> = {};
  for (const [id, underlying, symbol] of [
    ['aave-v3-WETH', weth, 'aEthWETH'],
    ['aave-v3-wstETH', wsteth, 'aEthwstETH'],
    ['aave-v3-weETH', weeth, 'aEthweETH'],
  ] as const) {
    await send(t, aavePool, aaveAbi, 'initReserve', [underlying, symbol]);
    aTokens[id] = (await t.client.readContract({ address: aavePool, abi: aaveAbi, functionName: 'aTokenOf', args: [underlying] })) as Address;
  }

  // Curve pools, seeded from the admin's own stake.
  const curveAbi = abi('CurveExchangeDouble');
  const prices = {
    stETH: opts.curvePrices?.stETH ?? 999_500_000_000_000_000n,
    weETH: opts.curvePrices?.weETH ?? (weethRate * 998n) / 1000n,
    ezETH: opts.curvePrices?.ezETH ?? (ezethRate * 998n) / 1000n,
  };
  const curveSteth = await deploy(t, a('CurveExchangeDouble'), [ETH_SENTINEL, steth, fee]);
  const curveWeeth = await deploy(t, a('CurveExchangeDouble'), [weeth, weth, fee]);
  const curveEzeth = await deploy(t, a('CurveExchangeDouble'), [ezeth, weth, fee]);
  const pools = { stETH: { pool: curveSteth, token: 1n, eth: 0n }, weETH: { pool: curveWeeth, token: 0n, eth: 1n }, ezETH: { pool: curveEzeth, token: 0n, eth: 1n } } as const;
  const setCurvePrice = async (asset: keyof typeof pools, direction: 'sell' | 'buy', price: bigint) => {
    const p = pools[asset];
    await send(t, p.pool, curveAbi, 'setPrice', direction === 'sell' ? [p.token, p.eth, price] : [p.eth, p.token, price]);
  };
  for (const asset of Object.keys(pools) as (keyof typeof pools)[]) {
    await setCurvePrice(asset, 'sell', prices[asset]);
    // Buying pays the same spread the other way: tokens per ETH = 1 / price × (1 − 0.2 %).
    await setCurvePrice(asset, 'buy', (E18 * E18 * 998n) / (prices[asset] * 1000n));
  }
  const sendEth = async (to: Address, value: bigint) => {
    const hash = await t.wallet.sendTransaction({ to, value });
    const r = await t.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (r.status !== 'success') throw new Error(`sending ETH to ${to} reverted`);
  };
  const stakeValue = (seed * 12n) / 10n;
  // stETH/ETH pool: ETH and stETH.
  await sendEth(curveSteth, seed);
  await send(t, steth, abi('StETHDouble'), 'submit', [t.account.address], stakeValue);
  await send(t, steth, abi('StETHDouble'), 'transfer', [curveSteth, seed]);
  // WETH for the two NG pools.
  await send(t, weth, abi('WETH9Double'), 'deposit', [], 2n * seed);
  await send(t, weth, abi('WETH9Double'), 'transfer', [curveWeeth, seed]);
  await send(t, weth, abi('WETH9Double'), 'transfer', [curveEzeth, seed]);
  // weETH: deposit, wrap, seed.
  await send(t, liquidityPool, abi('LiquidityPoolDouble'), 'deposit', [], stakeValue);
  await send(t, eeth, abi('EETHDouble'), 'approve', [weeth, stakeValue - 1n]);
  await send(t, weeth, abi('WeETHExecDouble'), 'wrap', [stakeValue - 1n]);
  await send(t, weeth, abi('WeETHExecDouble'), 'transfer', [curveWeeth, seed]);
  // ezETH: deposit, seed.
  await send(t, restakeManager, abi('RestakeManagerDouble'), 'depositETH', [], stakeValue);
  await send(t, ezeth, abi('EzETHDouble'), 'transfer', [curveEzeth, seed]);

  // Uniswap v3 wstETH/WETH 0.01 % pool, behind one router double (router and quoter).
  const uniAbi = abi('UniswapV3RouterDouble');
  const uniswapRouter = await deploy(t, a('UniswapV3RouterDouble'));
  const UNI_FEE = 100;
  const setUniswapPrice = async (direction: 'sell' | 'buy', price: bigint) => {
    await send(t, uniswapRouter, uniAbi, 'setPrice', direction === 'buy' ? [weth, wsteth, UNI_FEE, price] : [wsteth, weth, UNI_FEE, price]);
  };
  await setUniswapPrice('buy', opts.uniswapPrices?.buy ?? (E18 * E18 * 9_999n) / (wstethRate * 10_000n));
  await setUniswapPrice('sell', opts.uniswapPrices?.sell ?? (wstethRate * 9_999n) / 10_000n);
  await send(t, weth, abi('WETH9Double'), 'deposit', [], seed);
  await send(t, weth, abi('WETH9Double'), 'transfer', [uniswapRouter, seed]);
  await sendEth(wsteth, (seed * wstethRate) / E18 + E18); // receive() stakes and wraps
  await send(t, wsteth, abi('WstETHExecDouble'), 'transfer', [uniswapRouter, seed]);

  const contracts: ExecDoubleContracts = {
    weth, steth, wsteth, lidoQueue, eeth, liquidityPool, weeth, withdrawRequestNft, weethAdapter, ezeth, restakeManager, renzoQueue,
    rseth, kelpDepositPool, kelpWithdrawalManager, aavePool, curveSteth, curveWeeth, curveEzeth, uniswapRouter,
  };
  const addresses: EvmProtocolAddresses = {
    weth,
    lido: { steth, wsteth, withdrawalQueue: lidoQueue },
    etherfi: { liquidityPool, eeth, weeth, withdrawRequestNft, withdrawAdapter: weethAdapter },
    renzo: { restakeManager, ezeth, withdrawQueue: renzoQueue },
    kelp: { depositPool: kelpDepositPool, rseth, withdrawalManager: kelpWithdrawalManager },
    aave: { pool: aavePool, aTokens },
    dex: {
      stETH: { kind: 'curve', pool: curveSteth, i: 1, j: 0, ethIsNative: true },
      weETH: { kind: 'curve', pool: curveWeeth, i: 0, j: 1, ethIsNative: false },
      ezETH: { kind: 'curve', pool: curveEzeth, i: 0, j: 1, ethIsNative: false },
    },
    uniswapV3: { router: uniswapRouter, quoter: uniswapRouter, pools: { wstETH: { fee: UNI_FEE } } },
  };
  const tokens: Record<string, Address> = { WETH: weth, stETH: steth, wstETH: wsteth, eETH: eeth, weETH: weeth, ezETH: ezeth, rsETH: rseth, ...aTokens };
  const rates: Record<string, bigint> = {
    wstETH: wstethRate,
    weETH: weethRate,
    ezETH: ezethRate,
    rsETH: rsethPrice,
    'aave-v3-wstETH': wstethRate,
    'aave-v3-weETH': weethRate,
  };

  const queueAbi = abi('WithdrawalQueueDouble');
  const admin: ExecDoubleAdmin = {
    account: t.account.address,
    contracts,
    artifacts: arts,
    abi,
    async finalizeLido(upTo) {
      const last = upTo ?? ((await t.client.readContract({ address: lidoQueue, abi: queueAbi, functionName: 'getLastRequestId' })) as bigint);
      const owed = (await t.client.readContract({ address: lidoQueue, abi: queueAbi, functionName: 'ethToFinalize', args: [last] })) as bigint;
      await send(t, lidoQueue, queueAbi, 'finalize', [last], owed);
    },
    async finalizeEtherFi(upTo) {
      const nftAbi = abi('WithdrawRequestNFTDouble');
      const last = upTo ?? ((await t.client.readContract({ address: withdrawRequestNft, abi: nftAbi, functionName: 'nextRequestId' })) as bigint) - 1n;
      await send(t, withdrawRequestNft, nftAbi, 'finalizeRequests', [last]);
    },
    async unlockKelp(firstExcluded) {
      const mAbi = abi('LRTWithdrawalManagerDouble');
      const upTo = firstExcluded ?? ((await t.client.readContract({ address: kelpWithdrawalManager, abi: mAbi, functionName: 'nextUnusedNonce' })) as bigint);
      await send(t, kelpWithdrawalManager, mAbi, 'unlockQueue', [ETH_SENTINEL, upTo]);
    },
    async setRenzoCoolDown(seconds) {
      await send(t, renzoQueue, abi('RenzoWithdrawQueueDouble'), 'setCoolDownPeriod', [seconds]);
    },
    setCurvePrice,
    setUniswapPrice,
    async increaseTime(seconds) {
      await testClient.increaseTime({ seconds: Number(seconds) });
      await testClient.mine({ blocks: 1 });
    },
    async mine(blocks) {
      await testClient.mine({ blocks: Number(blocks) });
    },
  };
  return { addresses, tokens, rates, admin };
}
