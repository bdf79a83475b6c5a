import type { PublicKey, TransactionInstruction } from '@solana/web3.js';
import type { PlannedAction } from '../../../domain/action.js';

/**
 * The Solana builders' contract, the counterpart of evm/evm-tx.ts. A builder is pure: `prepare` reads
 * what only the chain knows (pool, state and reserve accounts, all in one slot; a Jupiter quote) into the
 * context, and `build` turns the action and that context into instructions. The adapter compiles them
 * into a v0 message; the policy guard decodes that message itself and never trusts these descriptions.
 */

/** One account as read from the chain. */
export interface AccountSnapshot {
  readonly data: Uint8Array;
  readonly owner: PublicKey;
  readonly lamports: bigint;
}

/** Accounts read together at one slot, with the epoch of that slot. */
export interface ChainSnapshot {
  readonly slot: bigint;
  readonly epoch: bigint;
  /** Base58 address → account (null when it does not exist). */
  readonly accounts: ReadonlyMap<string, AccountSnapshot | null>;
}

/** The reads a prepare step may make (solana-reader.ts implements it over a Connection). */
export interface SolChainReader {
  /** The accounts in one getMultipleAccounts call, so every value comes from the same slot. */
  readAccounts(keys: readonly PublicKey[]): Promise<ChainSnapshot>;
}

/** What an instruction leaves pending: a redemption the keeper claims later (planner and journal sense). */
export interface PendingRedemption {
  readonly kind: 'stake-account' | 'marinade-ticket' | 'vrt-ticket';
  /** The account that holds the claim (split stake account, ticket). */
  readonly account: string;
  /** What the claim should pay, in the base asset's base units (lamports) or the VRT's supported token. */
  readonly expected: bigint;
}

/** One Solana transaction a builder wants sent, before blockhash, fee and signature. */
export interface SolTxIntent {
  readonly instructions: readonly TransactionInstruction[];
  readonly description: string;
  /** SOL (lamports) this transaction moves out of the vault, for the per-transaction and per-day caps. */
  readonly valueAtRiskLamports: bigint;
  /** Address lookup tables the message compiles against (Jupiter routes). */
  readonly lookupTables?: readonly string[] | undefined;
  /** A leg with a price: the least acceptable output, the quoted one, the account that receives it. */
  readonly slippage?:
    | {
        readonly minOut: bigint;
        readonly quotedOut: bigint;
        readonly destination: string;
        /** True when the program itself refuses below minOut; false when only our pre-send check does. */
        readonly enforcedOnChain: boolean;
      }
    | undefined;
  readonly pending?: PendingRedemption | undefined;
}

/** Where an asset lives on Solana: its mint and the protocol account that issues it. */
export type SolAssetVenue =
  | { readonly kind: 'spl-stake-pool'; readonly program: string; readonly pool: string; readonly slippageInstructions: boolean }
  | { readonly kind: 'marinade'; readonly program: string; readonly state: string }
  | { readonly kind: 'jito-vault'; readonly program: string; readonly vault: string; readonly config: string }
  | {
      readonly kind: 'klend';
      readonly program: string;
      readonly reserve: string;
      readonly market: string;
      /** Prepend refresh_reserve (program versions that need it), with the reserve's oracle accounts. */
      readonly refreshReserve: boolean;
      readonly oracles?: { readonly pyth?: string; readonly switchboardPrice?: string; readonly switchboardTwap?: string; readonly scopePrices?: string } | undefined;
    };

export interface SolBuildContext {
  /** The vault's wallet: fee payer, owner of every token account, every recipient. */
  readonly vault: PublicKey;
  /** The vault is a program address (a Squads vault PDA): its token accounts are the PDA's ATAs. */
  readonly vaultOffCurve?: boolean | undefined;
  /** SOL's asset id (the base asset). */
  readonly baseAsset: string;
  /** Mint per asset id (SOL has none: wrapped SOL is only used inside a transaction). */
  readonly mints: Readonly<Record<string, string>>;
  /** The protocol behind each receipt asset. */
  readonly venues: Readonly<Record<string, SolAssetVenue>>;
  /** The configured slippage bound (fraction): minimum outs are at least quote × (1 − this). */
  readonly maxSlippage: number;
  /**
   * A key unique to the action across runs (the adapter passes the journaled action id): seeds of the
   * accounts an action creates (split stake, Marinade ticket), so a rebuilt or re-signed transaction names
   * the same account and a second attempt fails instead of creating a second one.
   */
  readonly actionKey?: string | undefined;
  /** Accounts read by prepare (one slot). */
  readonly chain?: ChainSnapshot | undefined;
  /**
   * Signers the adapter derives for an action, by role: e.g. the base of a VRT withdrawal ticket. They
   * are deterministic per action so a re-signed transaction names the same accounts.
   */
  readonly derived?: Readonly<Record<string, PublicKey>> | undefined;
  /** A Jupiter route per action seq, fetched by prepare. */
  readonly routes?: Readonly<Record<number, import('./jupiter.js').JupiterRoute>> | undefined;
}

export interface SolProtocolBuilder {
  readonly protocol: string;
  supports(action: PlannedAction, ctx: SolBuildContext): boolean;
  /** Reads the chain state this action needs into the context. `build` stays pure. */
  prepare?(action: PlannedAction, ctx: SolBuildContext, chain: SolChainReader): Promise<SolBuildContext>;
  build(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[];
}
