import type { PlannedAction } from '../domain/action.js';

/**
 * What the execution pipeline needs from a chain. The pipeline (execution-pipeline.ts) owns the state
 * machine, the journal and the crash-safety rules; an adapter only answers questions about its chain and
 * produces bytes. EVM is the first adapter (evm/evm-adapter.ts); Solana's fits the same shape:
 *
 * | step        | EVM                                          | Solana                                      |
 * |-------------|----------------------------------------------|---------------------------------------------|
 * | build       | protocol builders → calldata, policy guard   | instruction builders → message, guard       |
 * | simulate    | eth_call + eth_estimateGas, decoded revert   | simulateTransaction, program logs            |
 * | freshness   | pending nonce vs the keeper's expectation    | recent blockhash (+ last valid block height) |
 * | sign        | EIP-1559, fees capped                        | fee payer signature, priority fee capped     |
 * | send/lookup | eth_sendRawTransaction / receipt by hash     | sendTransaction / getSignatureStatuses       |
 * | slot used   | account nonce mined past the tx's nonce      | blockhash expired (tx can never land)        |
 * | stuck       | same nonce, fees bumped (replacement)        | re-sign with a new blockhash after expiry    |
 *
 * Everything the journal stores is chain-agnostic text: hex bytes, addresses and hashes as strings,
 * amounts as bigint base units.
 */

/** One transaction of an action, built and not yet signed. */
export interface UnsignedTx<P = unknown> {
  /** Position within the action (0, 1, …): transactions of an action are sent in order, each after the last confirmed. */
  readonly seq: number;
  readonly description: string;
  /** Destination (contract or account), or null when the chain's transaction has none. */
  readonly to: string | null;
  /** The call, lower-case 0x hex (EVM calldata; for Solana the serialized message). */
  readonly calldata: string;
  /** Native value sent with it, base units. */
  readonly value: bigint;
  /** What it moves out of the vault, base units (for the daily cap). */
  readonly valueAtRisk: bigint;
  /** The adapter's own form of the transaction (EVM: the builder's TxIntent). */
  readonly payload: P;
  /** Which rule of the transaction policy allowed it (journaled with the transaction). */
  readonly allowedBy?: string | undefined;
}

export type BuildResult<P> =
  | { readonly ok: true; readonly txs: ReadonlyArray<UnsignedTx<P>> }
  | { readonly ok: false; readonly reason: string; readonly detail?: Record<string, unknown> | undefined };

export type Simulation =
  | { readonly ok: true; readonly gas?: bigint | undefined; readonly detail: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string; readonly detail: Record<string, unknown> };

/**
 * An action's transactions simulated in order, each on the state the earlier ones leave: `results` has
 * one entry per transaction up to and including the first failure. 'unsupported' when the node cannot
 * simulate a sequence (the pipeline then simulates each transaction alone).
 */
export type BatchSimulation =
  | { readonly ok: true; readonly results: readonly Simulation[] }
  | { readonly ok: false; readonly index: number; readonly reason: string; readonly results: readonly Simulation[] }
  | { readonly ok: 'unsupported'; readonly reason: string };

/**
 * Where the sending account stands right before signing. `ok: false` with 'external-nonce-use' or
 * 'sequence-gap' means someone else is using the account (or the chain lost our transaction): the
 * pipeline stops sending and halts, it does not fight for nonces. 'fee-cap' and 'stale' fail the one
 * action only.
 */
export type Freshness =
  | {
      readonly ok: true;
      /** The sequence number to sign with (EVM nonce), or null where the chain has none. */
      readonly nonce: number | null;
      readonly detail: Record<string, unknown>;
      /** Adapter-private data handed back to sign() (fees, blockhash). */
      readonly ticket?: unknown;
    }
  | {
      readonly ok: false;
      readonly kind: 'external-nonce-use' | 'sequence-gap' | 'fee-cap' | 'stale';
      readonly message: string;
      readonly detail: Record<string, unknown>;
    };

export interface SignedTx {
  /** The serialized signed transaction, lower-case 0x hex: broadcast as is, rebroadcast as is. */
  readonly raw: string;
  readonly hash: string;
  readonly nonce: number | null;
  readonly maxFee: bigint | null;
  readonly maxPriorityFee: bigint | null;
  /** Chain-specific facts worth journaling (gas limit, blockhash…). Never key material. */
  readonly meta: Record<string, unknown>;
}

export type TxLookup =
  | {
      readonly state: 'mined';
      /** Executed successfully (EVM receipt status 1). A mined failure still used the nonce and the fee. */
      readonly success: boolean;
      readonly block: bigint;
      readonly confirmations: number;
      /** Fee paid, in the chain's native base units. */
      readonly fee: bigint;
      readonly detail: Record<string, unknown>;
    }
  | { readonly state: 'pending' }
  | { readonly state: 'unknown' };

export type BroadcastResult = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

/** A journaled transaction, as much of it as an adapter needs to replace or look it up. */
export interface JournaledTx {
  readonly to: string | null;
  readonly calldata: string;
  readonly value: bigint;
  readonly nonce: number | null;
  readonly txHash: string;
  readonly maxFee: bigint | null;
  readonly maxPriorityFee: bigint | null;
  readonly meta: Record<string, unknown> | undefined;
}

export type Resign =
  | { readonly ok: true; readonly signed: SignedTx; readonly to: string | null; readonly calldata: string; readonly value: bigint; readonly description: string }
  | { readonly ok: false; readonly reason: string };

/** What a build needs besides the action: the day's spend so far and the keeper's valuation. */
export interface BuildInputs {
  /** Value at risk already sent today (UTC), in the base asset's base units, for the policy's caps. */
  readonly spentToday: bigint;
  readonly now: number;
  /**
   * Fair rate per asset from the snapshot the keeper decided on (validated data): base-asset base units
   * per 10^18 base units of the asset. Values transactions against the policy's caps; a chain read the
   * builder makes itself (a rate it sizes with) takes precedence.
   */
  readonly fairRates?: Readonly<Record<string, bigint>> | undefined;
  /**
   * The action's journal id (live only): a key unique across runs, from which an adapter derives the
   * accounts an action creates, so a rebuilt step names the same ones.
   */
  readonly actionId?: number | undefined;
}

export interface ChainAdapter<P = unknown> {
  /** Journal key of the chain, e.g. "evm:1". */
  readonly chain: string;
  /** The sending account (fee payer), as the chain writes it. */
  readonly account: string;
  /** Whether sign() can work (a key is loaded). Dry-run adapters cannot sign. */
  readonly canSign: boolean;

  build(action: PlannedAction, ctx: BuildInputs): Promise<BuildResult<P>>;
  /** Runs the transaction against current chain state without sending it; a failure carries a readable reason. */
  simulate(tx: UnsignedTx<P>): Promise<Simulation>;
  /** Simulates the transactions in sequence (state carried from one to the next), if the chain can. */
  simulateBatch?(txs: readonly UnsignedTx<P>[]): Promise<BatchSimulation>;
  /**
   * Checks the account's sequencing right before signing. `expected` is the nonce the keeper itself
   * expects next (from its journal and its own sends), or undefined when it has no expectation yet.
   */
  prepare(tx: UnsignedTx<P>, expected: number | undefined): Promise<Freshness>;
  sign(tx: UnsignedTx<P>, prep: Extract<Freshness, { ok: true }>, sim: Extract<Simulation, { ok: true }>): Promise<SignedTx>;
  /** Hands signed bytes to the network. Idempotent: a node that already has them is success. */
  broadcast(raw: string): Promise<BroadcastResult>;
  lookup(hash: string): Promise<TxLookup>;
  /** True once the transaction's slot (nonce, blockhash validity) is used up on chain, by any transaction. */
  slotConsumed(tx: Pick<JournaledTx, 'nonce' | 'meta'>): Promise<boolean>;
  /** The next sequence number the chain will accept, counting pending transactions (EVM pending nonce); undefined if none. */
  nextSequence(): Promise<number | undefined>;
  /** A replacement for a stuck transaction: same slot, bumped fees above `highest`; ok:false when a cap forbids it. */
  replacement?(base: JournaledTx, highest: { maxFee: bigint; maxPriorityFee: bigint }): Promise<Resign>;
  /**
   * Expiry model (Solana): the same step signed again with a fresh blockhash. The pipeline calls it only
   * once slotConsumed() says the journaled transaction's blockhash has expired AND lookup() finds none of
   * the step's signatures in the chain's history, so the first can never land. An adapter with this
   * method treats a consumed slot as expiry, never as someone else using the account.
   */
  resignExpired?(base: JournaledTx): Promise<Resign>;
  /** A no-op transaction taking the slot (EVM: 0-value self-transfer at the nonce), fees bumped above `highest`. */
  cancellation?(nonce: number, highest: { maxFee: bigint; maxPriorityFee: bigint }): Promise<Resign>;
}
