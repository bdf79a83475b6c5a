import { getAddress, type Address } from 'viem';
import type { Registry } from '../../../config/registry-schema.js';
import type { EvmProtocolAddresses } from '../evm-tx.js';

/**
 * Build targets from the asset registry (config/assets/ethereum.yaml): every asset's token address, and
 * the protocol contracts from the assets' `addresses` blocks. A protocol whose addresses are incomplete
 * is left out (its builder then refuses with the action named), never guessed.
 */

/**
 * Curve pools' coin order (protocols.md A8), keyed by pool address, since the registry records the pool
 * but not its coin indices. Confirm with coins(uint256) on chain before relying on a new pool.
 */
const CURVE_COINS: Readonly<Record<string, { readonly token: number; readonly eth: number; readonly ethIsNative: boolean }>> = {
  // stETH/ETH original pool: coin 0 = ETH (native), coin 1 = stETH.
  '0xdc24316b9ae028f1497c275eb9192a3ea0f67022': { token: 1, eth: 0, ethIsNative: true },
  // weETH/WETH NG pool: coins weETH, WETH.
  '0x13947303f63b363876868d070f14dc865c36463b': { token: 0, eth: 1, ethIsNative: false },
  // ezETH/WETH NG pool: coin 0 = ezETH, coin 1 = WETH.
  '0x85de3add465a219ee25e04d22c39ab027cf5c12e': { token: 0, eth: 1, ethIsNative: false },
};

/** Uniswap v3 SwapRouter02 and QuoterV2 on Ethereum mainnet. */
const UNISWAP_V3_ROUTER: Address = getAddress('0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45');
const UNISWAP_V3_QUOTER: Address = getAddress('0x61fFE014bA17989E743c5F6cB21bF9697530B21e');
/** Fee tier (hundredths of a bip) per registry DEX venue name, lower-cased. */
const UNISWAP_V3_FEES: Readonly<Record<string, number>> = {
  'uniswap v3 wsteth/weth 0.01 % pool': 100,
};

export interface EvmBuildTargets {
  readonly addresses: EvmProtocolAddresses;
  /** Token address per asset id (aTokens for lending positions); the native base asset has none. */
  readonly tokens: Readonly<Record<string, Address>>;
}

export function buildTargetsFromRegistry(registry: Registry, chain = 'ethereum'): EvmBuildTargets {
  const assets = Object.entries(registry.assets).filter(([, a]) => a.chain === chain);
  const tokens: Record<string, Address> = {};
  for (const [id, a] of assets) {
    const t = a.addresses['token'] ?? (a.kind === 'lending' ? a.addresses['aToken'] : undefined);
    if (t) tokens[id] = getAddress(t);
  }
  const addrsOf = (id: string): Readonly<Record<string, string>> => registry.assets[id]?.addresses ?? {};
  const pick = (id: string, key: string): Address | undefined => {
    const v = addrsOf(id)[key];
    return v ? getAddress(v) : undefined;
  };

  const weth = tokens['WETH'];
  if (!weth) throw new Error('the registry has no WETH token address');

  const steth = tokens['stETH'] ?? pick('wstETH', 'stETH');
  const wsteth = tokens['wstETH'];
  const wq = pick('wstETH', 'withdrawalQueue') ?? pick('stETH', 'withdrawalQueue');
  const lido = steth && wsteth && wq ? { steth, wsteth, withdrawalQueue: wq } : undefined;

  const weeth = tokens['weETH'];
  const lp = pick('weETH', 'liquidityPool');
  const eeth = pick('weETH', 'eETH');
  const nft = pick('weETH', 'withdrawRequestNFT');
  const etherfi = weeth && lp && eeth && nft ? { liquidityPool: lp, eeth, weeth, withdrawRequestNft: nft, withdrawAdapter: pick('weETH', 'weETHWithdrawAdapter') } : undefined;

  const ezeth = tokens['ezETH'];
  const rm = pick('ezETH', 'restakeManager');
  const rwq = pick('ezETH', 'withdrawQueue');
  const renzo = ezeth && rm && rwq ? { restakeManager: rm, ezeth, withdrawQueue: rwq } : undefined;

  const rseth = tokens['rsETH'];
  const dp = pick('rsETH', 'depositPool');
  const wm = pick('rsETH', 'withdrawalManager');
  const kelp = rseth && dp && wm ? { depositPool: dp, rseth, withdrawalManager: wm } : undefined;

  const aTokens: Record<string, Address> = {};
  let pool: Address | undefined;
  for (const [id, a] of assets) {
    if (a.kind !== 'lending' || !a.addresses['pool'] || !a.addresses['aToken']) continue;
    if (!a.groups.protocol.startsWith('aave-v3')) continue;
    pool ??= getAddress(a.addresses['pool']);
    aTokens[id] = getAddress(a.addresses['aToken']);
  }
  const aave = pool ? { pool, aTokens } : undefined;

  const dex: Record<string, { kind: 'curve'; pool: Address; i: number; j: number; ethIsNative: boolean }> = {};
  for (const [id, a] of assets) {
    const p = a.addresses['curvePool'];
    const coins = p ? CURVE_COINS[p.toLowerCase()] : undefined;
    if (p && coins) dex[id] = { kind: 'curve', pool: getAddress(p), i: coins.token, j: coins.eth, ethIsNative: coins.ethIsNative };
  }

  // Uniswap v3 (SwapRouter02 + QuoterV2, same addresses on mainnet since 2021): pools per receipt token,
  // from the registry's DEX venue name, keyed to their fee tier. Only pools listed here are traded.
  const uniPools: Record<string, { fee: number }> = {};
  for (const [id, a] of assets) {
    const venues = [a.entry?.dex?.venue, a.exit?.dex?.venue].filter((v): v is string => typeof v === 'string');
    const fee = venues.map((v) => UNISWAP_V3_FEES[v.toLowerCase()]).find((f) => f !== undefined);
    if (fee !== undefined && tokens[id]) uniPools[id] = { fee };
  }
  const uniswapV3 = Object.keys(uniPools).length > 0 ? { router: UNISWAP_V3_ROUTER, quoter: UNISWAP_V3_QUOTER, pools: uniPools } : undefined;

  return { addresses: { weth, lido, etherfi, renzo, kelp, aave, dex, uniswapV3 }, tokens };
}
