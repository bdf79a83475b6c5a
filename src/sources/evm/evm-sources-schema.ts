// viem/utils, not viem: a config is read by every command, and the full index costs twice as much to load.
import { getAddress, isAddress, isHex } from 'viem/utils';
import type { Address, Hex } from 'viem';
import { z } from 'zod';

/**
 * The vault config section `sources.evm`: one RPC, optionally a Multicall3-compatible contract, and per
 * asset which contract gives its rate (and, for LSTs/LRTs, which DEX pool gives its market price).
 * Addresses are validated with viem's isAddress (a mixed-case address must carry a valid checksum) and
 * come out checksummed.
 */

const assetId = z.string().min(1);

export const address = z
  .string()
  .refine((s) => isAddress(s), 'a 20-byte hex address (0x…; mixed case must be a valid EIP-55 checksum)')
  .transform((s): Address => getAddress(s));

const bytes32 = z
  .string()
  .refine((s) => isHex(s, { strict: true }) && s.length === 66, 'a 32-byte hex value (0x + 64 hex digits)')
  .transform((s) => s.toLowerCase() as Hex);

/** Trade sizes in whole ETH: the smallest prices the token, the largest measures exit impact. */
const sizesEth = z
  .array(z.number().min(1e-6, 'at least 1e-6 ETH').max(1e9, 'at most 1e9 ETH'))
  .min(1)
  .max(8)
  .refine((a) => new Set(a).size === a.length, 'distinct sizes')
  .transform((a) => [...a].sort((x, y) => x - y));

const coinIndex = z.number().int().min(0).max(7);

export const CurveMarketSchema = z
  .strictObject({
    kind: z.literal('curve'),
    pool: address,
    /** Coin index of the token sold (e.g. 1 = stETH in the stETH/ETH pool). */
    i: coinIndex,
    /** Coin index of ETH/WETH received. */
    j: coinIndex,
    sizesEth,
    /**
     * The pool trades the underlying, not the configured token: 'stETH' means the pool quotes stETH and
     * market(wstETH) = price(stETH) × stEthPerToken. Sizes are then sold as that many stETH.
     */
    underlyingPerToken: z.literal('stETH').optional(),
  })
  .refine((m) => m.i !== m.j, { message: 'i and j must differ', path: ['j'] });

export const BalancerMarketSchema = z.strictObject({
  kind: z.literal('balancer'),
  /** Balancer v2 Vault (queryBatchSwap is not a view; it is called with eth_call). */
  vault: address,
  poolId: bytes32,
  /** The token sold. */
  assetIn: address,
  /** WETH. */
  assetOut: address,
  sizesEth,
});

export const MarketSchema = z.discriminatedUnion('kind', [CurveMarketSchema, BalancerMarketSchema]);

export const AssetReaderSchema = z.discriminatedUnion('kind', [
  /** wstETH.stEthPerToken() — stETH per wstETH; stETH counts 1:1 as ETH. */
  z.strictObject({ kind: z.literal('wsteth'), token: address, market: MarketSchema.optional() }),
  /** weETH.getRate() — eETH (= ETH) per weETH. */
  z.strictObject({ kind: z.literal('weeth'), token: address, market: MarketSchema.optional() }),
  /** A Balancer-style rate provider's getRate() (Renzo ezETH: 0x387d…c84C). */
  z.strictObject({ kind: z.literal('rate-provider'), provider: address, market: MarketSchema.optional() }),
  /** Kelp LRTOracle.rsETHPrice() — a STORED value; the source tracks when it last moved. */
  z.strictObject({ kind: z.literal('kelp-oracle'), oracle: address, market: MarketSchema.optional() }),
  /** An Aave v3 supply position: Pool.getReserveData(underlying) + underlying.balanceOf(aToken). */
  z.strictObject({
    kind: z.literal('aave-v3'),
    pool: address,
    underlying: address,
    /** The configured asset whose fair rate values one underlying token (wstETH for aave-v3-wstETH); absent = 1 ETH. */
    priceAs: assetId.optional(),
  }),
]);

export const EvmSourcesSchema = z
  .strictObject({
    rpcUrl: z.url({ protocol: /^https?$/ }),
    /** The chain the RPC must report (eth_chainId); a wrong-chain RPC fails every asset. */
    chainId: z.number().int().positive().default(1),
    /** A Multicall3-compatible aggregate3 contract; absent = one eth_call per value, sent as JSON-RPC batches. */
    multicall: address.optional(),
    /** Per RPC request. */
    timeoutMs: z.number().int().positive().max(300_000).default(8000),
    assets: z.record(assetId, AssetReaderSchema).refine((r) => Object.keys(r).length > 0, 'at least one asset'),
  })
  .superRefine((cfg, ctx) => {
    for (const [id, reader] of Object.entries(cfg.assets)) {
      if (reader.kind !== 'aave-v3' || reader.priceAs === undefined) continue;
      const target = cfg.assets[reader.priceAs];
      if (!target) {
        ctx.addIssue({ code: 'custom', path: ['assets', id, 'priceAs'], input: reader.priceAs, message: `priceAs must name another asset configured here (one of ${Object.keys(cfg.assets).join(', ')})` });
      } else if (target.kind === 'aave-v3') {
        ctx.addIssue({ code: 'custom', path: ['assets', id, 'priceAs'], input: reader.priceAs, message: 'priceAs must name an asset with a fair rate (wsteth, weeth, rate-provider, kelp-oracle), not another aave-v3 position' });
      }
    }
  });

export type EvmSourcesConfig = z.output<typeof EvmSourcesSchema>;
export type EvmSourcesInput = z.input<typeof EvmSourcesSchema>;
export type AssetReaderConfig = z.output<typeof AssetReaderSchema>;
export type RateReaderConfig = Exclude<AssetReaderConfig, { kind: 'aave-v3' }>;
export type AaveReaderConfig = Extract<AssetReaderConfig, { kind: 'aave-v3' }>;
export type MarketConfig = z.output<typeof MarketSchema>;
export type CurveMarketConfig = Extract<MarketConfig, { kind: 'curve' }>;
export type BalancerMarketConfig = Extract<MarketConfig, { kind: 'balancer' }>;

