import type { Address, Hex, PublicClient } from 'viem';
import type { PlannedAction } from '../../domain/action.js';

/**
 * One Ethereum transaction a builder wants sent, before fees, nonce and signature. It carries its own
 * decoded call so the policy guard, the journal and a person reading either can see what it does
 * without decoding calldata.
 */
export interface TxIntent {
  readonly to: Address;
  readonly data: Hex;
  readonly value: bigint;
  /** What this transaction does, in words ("approve 12.5 stETH to the wstETH contract"). */
  readonly description: string;
  readonly call: {
    /** Contract role from config, e.g. "lido.wsteth", "aave.pool", "erc20:stETH". */
    readonly contract: string;
    /** Canonical signature, e.g. "wrap(uint256)". */
    readonly signature: string;
    readonly args: readonly unknown[];
  };
  /** ETH value this transaction moves out of the vault (for the per-transaction and per-day caps), wei. */
  readonly valueAtRiskWei: bigint;
  /** For a swap leg: the least acceptable output and the quoted one (for the slippage bound). */
  readonly slippage?: { readonly minOut: bigint; readonly quotedOut: bigint } | undefined;
}

/** Addresses of the deployed protocols a vault trades with (mainnet from config; doubles in tests). */
export interface EvmProtocolAddresses {
  readonly weth: Address;
  readonly lido?: { readonly steth: Address; readonly wsteth: Address; readonly withdrawalQueue: Address } | undefined;
  readonly etherfi?:
    | {
        readonly liquidityPool: Address;
        readonly eeth: Address;
        readonly weeth: Address;
        readonly withdrawRequestNft: Address;
        /** WeETHWithdrawAdapter: requests a withdrawal straight from weETH (one exact approval, no unwrap rounding). Absent = unwrap, then LiquidityPool.requestWithdraw. */
        readonly withdrawAdapter?: Address | undefined;
      }
    | undefined;
  readonly renzo?: { readonly restakeManager: Address; readonly ezeth: Address; readonly withdrawQueue: Address } | undefined;
  readonly kelp?: { readonly depositPool: Address; readonly rseth: Address; readonly withdrawalManager: Address } | undefined;
  readonly aave?: { readonly pool: Address; readonly aTokens: Readonly<Record<string, Address>> } | undefined;
  /** DEX pools per receipt token, by asset id. */
  readonly dex?: Readonly<Record<string, { readonly kind: 'curve'; readonly pool: Address; readonly i: number; readonly j: number; readonly ethIsNative: boolean }>> | undefined;
  /**
   * Uniswap v3 through SwapRouter02: the router, an optional QuoterV2 for fresh quotes at build time, and
   * the pool per receipt token (by asset id) as its fee tier (100 = 0.01 %). Every pool trades the receipt
   * token against WETH (`weth` above).
   */
  readonly uniswapV3?:
    | { readonly router: Address; readonly quoter?: Address | undefined; readonly pools: Readonly<Record<string, { readonly fee: number }>> }
    | undefined;
}

export interface BuildContext {
  /** The vault's address: every recipient and owner must be it. */
  readonly vault: Address;
  readonly addresses: EvmProtocolAddresses;
  /** Token address per asset id (ETH has none). */
  readonly tokens: Readonly<Record<string, Address>>;
  /** Pending protocol withdrawal request ids per asset, for claims. */
  readonly withdrawalRequests?: Readonly<Record<string, readonly bigint[]>> | undefined;
  /**
   * Fair rate per asset id: wei of ETH per 1e18 base units of the asset (wstETH ≈ 1.2e18). Values
   * `valueAtRiskWei` and sizes Lido request chunks (stETH per wstETH). ETH, WETH, stETH and eETH count 1:1
   * without it; any other token a transaction moves needs it (the builder refuses rather than guess).
   */
  readonly rates?: Readonly<Record<string, bigint>> | undefined;
  /** A fresh DEX quote (output for the action's amountIn) per action seq, read at build time (prepare). */
  readonly quotes?: Readonly<Record<number, bigint>> | undefined;
  /** The configured slippage bound (fraction, 0.005 = 0.5 %), applied to a fresh quote for a DEX min-out. */
  readonly maxSlippage?: number | undefined;
  /**
   * Numbers a claim needs that only the chain knows, per redemption id, read at build time (prepare):
   * Lido checkpoint hints aligned with the sorted request ids; Renzo the request's current index in
   * withdrawRequests(vault).
   */
  readonly claimHints?: Readonly<Record<string, readonly bigint[]>> | undefined;
}

/** The chain reads a builder's prepare step may make (a viem PublicClient satisfies it). */
export type ChainReader = Pick<PublicClient, 'readContract'>;

/**
 * Turns one planned action into the transactions that carry it out, for one protocol. A new protocol is
 * a new builder, not edits across the tree.
 */
export interface ProtocolBuilder {
  readonly protocol: string;
  /** Whether this builder handles the action (by kind, assets and venue). */
  supports(action: PlannedAction): boolean;
  build(action: PlannedAction, ctx: BuildContext): TxIntent[];
  /**
   * Optional async step before `build`: reads what only the chain knows at build time (claim hints, a
   * fresh DEX quote, a rate) and returns the context with it added. `build` itself stays pure.
   */
  prepare?(action: PlannedAction, ctx: BuildContext, chain: ChainReader): Promise<BuildContext>;
}
