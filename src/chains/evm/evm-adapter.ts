import {
  BaseError,
  decodeErrorResult,
  erc20Abi,
  getAddress,
  isHex,
  keccak256,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  type Abi,
  type Address,
  type Hex,
  type LocalAccount,
  type PublicClient,
} from 'viem';
import type { AssetId } from '../../domain/asset.js';
import type { PlannedAction } from '../../domain/action.js';
import { simulateCalls } from 'viem/actions';
import type {
  BatchSimulation,
  BroadcastResult,
  BuildInputs,
  BuildResult,
  ChainAdapter,
  Freshness,
  JournaledTx,
  Resign,
  SignedTx,
  Simulation,
  TxLookup,
  UnsignedTx,
} from '../chain-adapter.js';
import type { BuildContext, ChainReader, TxIntent } from './evm-tx.js';

/**
 * The EVM chain adapter, on viem. The pieces the other engineers own come in as functions:
 * `buildAction` and `prepareAction` (the protocol builders) and `checkBatch` (the policy guard).
 */

/** Turns a planned action into the transactions that carry it out (the protocol builders). */
export type BuildActionFn = (action: PlannedAction, ctx: BuildContext) => TxIntent[];
/** Reads what the action's builder needs from the chain at build time (a fresh quote, a rate, claim hints). */
export type PrepareActionFn = (action: PlannedAction, ctx: BuildContext, chain: ChainReader) => Promise<BuildContext>;

export interface GuardContext {
  readonly vault: Address;
  readonly chainId: number;
  readonly action: PlannedAction;
  /** Value at risk already sent today (UTC), before this batch. */
  readonly spentTodayWei: bigint;
  readonly now: number;
}
/** Allowed: the id of the rule that allowed each transaction, in order (when the guard names rules). */
export type GuardVerdict = { readonly allowed: true; readonly rules?: readonly string[] | undefined } | { readonly allowed: false; readonly index: number; readonly reason: string };
/**
 * The policy guard: may this action's transactions be signed at all? It sees the whole batch exactly as
 * it will be signed, so it can hold each approval to what the later calls pull and count the day's caps
 * through the batch; a refusal names the transaction (index) and why.
 */
export type CheckBatchFn = (txs: readonly TxIntent[], ctx: GuardContext) => GuardVerdict;

/** The journal's key for an EVM chain ("evm:1"): transactions and spend are recorded under it. */
export function evmChainKey(chainId: number): string {
  return `evm:${chainId}`;
}

export interface FeeCaps {
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

export interface EvmAdapterOptions {
  readonly client: PublicClient;
  readonly chainId: number;
  /** The vault: the account that sends every transaction and owns every position. */
  readonly vault: Address;
  /** The signer (its address must be the vault). Absent in dry-run: nothing can be signed. */
  readonly signer?: LocalAccount | undefined;
  readonly buildAction: BuildActionFn;
  /** Chain reads before building (absent: builders get the static context only). */
  readonly prepareAction?: PrepareActionFn | undefined;
  readonly buildContext: BuildContext;
  readonly checkBatch: CheckBatchFn;
  readonly fees: FeeCaps;
  /** Fee bump of a replacement over the transaction it replaces (geth needs ≥ 10 %; 0.125 = 12.5 %). */
  readonly bump: number;
  /** Gas limit = estimate × (1 + headroom). Default 0.2. */
  readonly gasHeadroom?: number | undefined;
  /** ABIs whose custom errors a revert may carry, for decoding (Error(string) and Panic(uint256) are built in). */
  readonly errorAbis?: readonly Abi[] | undefined;
}

const BPS = 10_000n;

/** x × (1 + fraction), rounded up, and strictly above x. */
export function bumpFee(x: bigint, fraction: number): bigint {
  const bps = BigInt(Math.round(fraction * 10_000));
  const y = (x * (BPS + bps) + BPS - 1n) / BPS;
  return y > x ? y : x + 1n;
}

const PANIC: Record<number, string> = {
  0x01: 'assertion failed',
  0x11: 'arithmetic overflow or underflow',
  0x12: 'division by zero',
  0x21: 'invalid enum value',
  0x22: 'invalid storage byte array',
  0x31: 'pop on an empty array',
  0x32: 'array index out of bounds',
  0x41: 'out of memory',
  0x51: 'call to an uninitialized function',
};

function revertData(err: BaseError): Hex | undefined {
  let found: Hex | undefined;
  err.walk((e) => {
    const d = (e as { data?: unknown }).data;
    const hex = typeof d === 'object' && d !== null ? (d as { data?: unknown }).data : d;
    if (typeof hex === 'string' && isHex(hex) && hex.length >= 10) {
      found = hex;
      return true;
    }
    return false;
  });
  return found;
}

function formatArg(a: unknown): string {
  if (typeof a === 'bigint') return a.toString();
  if (typeof a === 'string') return JSON.stringify(a);
  try {
    return JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return String(a);
  }
}

export interface DecodedRevert {
  readonly reason: string;
  readonly errorName?: string | undefined;
  readonly args?: readonly string[] | undefined;
  readonly data?: Hex | undefined;
}

/**
 * A simulation failure in words: Error(string) gives its message, Panic(uint256) its meaning, a custom
 * error its name and arguments when one of `abis` declares it (else its selector); anything else
 * (out of gas, insufficient funds) viem's short message.
 */
export function decodeRevert(err: unknown, abis: readonly Abi[] = []): DecodedRevert {
  if (!(err instanceof BaseError)) return { reason: err instanceof Error ? err.message : String(err) };
  const data = revertData(err);
  if (data) {
    const abi = abis.flat() as Abi;
    try {
      const d = decodeErrorResult({ abi, data });
      const args = (d.args ?? []).map(formatArg);
      if (d.errorName === 'Error') return { reason: String(d.args?.[0] ?? ''), errorName: 'Error', args, data };
      if (d.errorName === 'Panic') {
        const code = Number(d.args?.[0] ?? 0);
        return { reason: `panic 0x${code.toString(16)}: ${PANIC[code] ?? 'unknown panic code'}`, errorName: 'Panic', args, data };
      }
      return { reason: `${d.errorName}(${args.join(', ')})`, errorName: d.errorName, args, data };
    } catch {
      return { reason: `reverted with unknown error ${data.slice(0, 10)} (${(data.length - 2) / 2} bytes of data)`, data };
    }
  }
  const details = (err as BaseError & { details?: string }).details;
  return { reason: err.shortMessage + (details && !err.shortMessage.includes(details) ? ` (${details})` : '') };
}

/** Fees the ticket carries from prepare() to sign(). */
interface FeeTicket {
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
}

export class EvmAdapter implements ChainAdapter<TxIntent> {
  readonly chain: string;
  readonly account: string;
  readonly #o: EvmAdapterOptions;
  readonly #abis: readonly Abi[];

  constructor(o: EvmAdapterOptions) {
    if (o.signer && getAddress(o.signer.address) !== getAddress(o.vault)) {
      throw new Error(`the signing key's address ${o.signer.address} is not the vault ${o.vault}`);
    }
    if (!(o.bump >= 0.1)) throw new RangeError(`fee bump ${o.bump} is below the 10 % nodes require for a replacement`);
    this.#o = o;
    this.chain = evmChainKey(o.chainId);
    this.account = getAddress(o.vault);
    this.#abis = o.errorAbis ?? [];
  }

  get canSign(): boolean {
    return this.#o.signer !== undefined;
  }

  get client(): PublicClient {
    return this.#o.client;
  }

  /**
   * Never spend what is not there (as the paper executor): an action spending an ERC-20 is built with the
   * vault's balance of it at the latest block when that is below the planned amountIn — a route's second
   * leg after a first leg that filled slightly short — with minOut and expectedOut scaled in proportion.
   * Returns the action to build and a note for the transactions' descriptions (undefined when unchanged).
   */
  async #clampToBalance(action: PlannedAction): Promise<{ action: PlannedAction; note?: string | undefined } | { error: string }> {
    const token = this.#o.buildContext.tokens[action.from];
    if (token === undefined || action.amountIn <= 0n) return { action };
    let balance: bigint;
    try {
      balance = await this.#o.client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [this.account as Address], blockTag: 'latest' });
    } catch (e) {
      return { error: `could not read the vault's ${action.from} balance: ${e instanceof BaseError ? e.shortMessage : String(e)}` };
    }
    // Nothing at all is not a short fill: build as planned and let the simulation say why it cannot run.
    if (balance >= action.amountIn || balance === 0n) return { action };
    const scale = (x: bigint): bigint => (x * balance) / action.amountIn;
    const clamped: PlannedAction = { ...action, amountIn: balance, minOut: scale(action.minOut), expectedOut: scale(action.expectedOut) };
    return { action: clamped, note: `amountIn clamped from the planned ${action.amountIn} to the vault's ${action.from} balance ${balance}` };
  }

  /**
   * The builders' context for one action: chain reads first (prepare: a fresh quote, a rate the builder
   * sizes with, claim hints), then the keeper's fair rates under them for valuing what the chain read did
   * not cover.
   */
  async #contextFor(action: PlannedAction, fairRates: BuildInputs['fairRates']): Promise<BuildContext> {
    const base = this.#o.buildContext;
    const prepared = this.#o.prepareAction ? await this.#o.prepareAction(action, base, this.#o.client) : base;
    return fairRates ? { ...prepared, rates: { ...fairRates, ...prepared.rates } } : prepared;
  }

  async build(action: PlannedAction, ctx: BuildInputs): Promise<BuildResult<TxIntent>> {
    const c = await this.#clampToBalance(action);
    if ('error' in c) return { ok: false, reason: `no transaction could be built: ${c.error}`, detail: { stage: 'balance', asset: action.from } };
    const planned = action;
    action = c.action;
    const clampDetail = c.note ? { clamp: { planned: planned.amountIn.toString(), amountIn: action.amountIn.toString() } } : {};
    let buildCtx: BuildContext;
    try {
      buildCtx = await this.#contextFor(action, ctx.fairRates);
    } catch (e) {
      const msg = e instanceof BaseError ? e.shortMessage : (e as Error).message;
      return { ok: false, reason: `no transaction could be built: reading the chain for the builder failed: ${msg}`, detail: { stage: 'prepare-build', ...clampDetail } };
    }
    let intents: TxIntent[];
    try {
      intents = this.#o.buildAction(action, buildCtx);
    } catch (e) {
      return { ok: false, reason: `no transaction could be built: ${(e as Error).message}`, ...(c.note ? { detail: clampDetail } : {}) };
    }
    if (intents.length === 0) return { ok: false, reason: 'the builder returned no transaction for the action' };
    if (c.note) intents = intents.map((t) => ({ ...t, description: `${t.description} [${c.note}]` }));
    const v = this.#o.checkBatch(intents, { vault: this.account as Address, chainId: this.#o.chainId, action, spentTodayWei: ctx.spentToday, now: ctx.now });
    if (!v.allowed) {
      const tx = intents[v.index];
      return { ok: false, reason: `policy refused transaction ${v.index} (${tx?.description ?? '?'}): ${v.reason}`, detail: { stage: 'policy', seq: v.index, to: tx?.to, call: tx?.call.signature } };
    }
    return {
      ok: true,
      txs: intents.map((t, seq) => ({ seq, description: t.description, to: getAddress(t.to), calldata: t.data.toLowerCase(), value: t.value, valueAtRisk: t.valueAtRiskWei > t.value ? t.valueAtRiskWei : t.value, payload: t, allowedBy: v.rules?.[seq] })),
    };
  }

  /**
   * The batch in order on one state through eth_simulateV1 (viem simulateCalls): each call sees what the
   * earlier ones did (WETH wrapped, allowance set). A node without the method answers 'unsupported'.
   */
  async simulateBatch(txs: readonly UnsignedTx<TxIntent>[]): Promise<BatchSimulation> {
    let r;
    try {
      r = await simulateCalls(this.#o.client, {
        account: this.account as Address,
        calls: txs.map((tx) => ({ to: tx.to as Address, data: tx.calldata as Hex, value: tx.value })),
      });
    } catch (e) {
      const msg = e instanceof BaseError ? e.shortMessage : String(e);
      // Method missing or refused: fall back to one-by-one simulation. Anything else (the node down) too,
      // since each transaction is simulated again right before it is signed.
      return { ok: 'unsupported', reason: msg };
    }
    const results: Simulation[] = [];
    for (const [i, c] of r.results.entries()) {
      if (c.status === 'success') {
        results.push({ ok: true, gas: c.gasUsed, detail: { gasUsed: c.gasUsed.toString() } });
        continue;
      }
      const d = decodeRevert(c.error, this.#abis);
      results.push({ ok: false, reason: d.reason, detail: { revert: d.reason, ...(d.errorName ? { errorName: d.errorName, args: d.args } : {}), ...(d.data ? { revertData: d.data } : {}) } });
      return { ok: false, index: i, reason: d.reason, results };
    }
    if (results.length !== txs.length) return { ok: 'unsupported', reason: `the node returned ${results.length} results for ${txs.length} calls` };
    return { ok: true, results };
  }

  async simulate(tx: UnsignedTx<TxIntent>): Promise<Simulation> {
    const req = { account: this.account as Address, to: tx.to as Address, data: tx.calldata as Hex, value: tx.value };
    try {
      await this.#o.client.call(req);
      const gas = await this.#o.client.estimateGas(req);
      return { ok: true, gas, detail: { gas: gas.toString() } };
    } catch (e) {
      const r = decodeRevert(e, this.#abis);
      return { ok: false, reason: r.reason, detail: { revert: r.reason, ...(r.errorName ? { errorName: r.errorName, args: r.args } : {}), ...(r.data ? { revertData: r.data } : {}) } };
    }
  }

  /** Current EIP-1559 fees (viem: eth_feeHistory / base fee + eth_maxPriorityFeePerGas), within the caps. */
  async #fees(): Promise<{ ok: true; fees: FeeTicket; baseFee: bigint | null } | { ok: false; message: string; detail: Record<string, unknown> }> {
    const caps = this.#o.fees;
    const [est, block] = await Promise.all([this.#o.client.estimateFeesPerGas(), this.#o.client.getBlock({ blockTag: 'latest' })]);
    const baseFee = block.baseFeePerGas ?? null;
    if (baseFee !== null && baseFee > caps.maxFeePerGas) {
      return {
        ok: false,
        message: `base fee ${baseFee} wei is above the configured maxFeePerGas cap ${caps.maxFeePerGas}; not signing`,
        detail: { baseFee: baseFee.toString(), cap: caps.maxFeePerGas.toString() },
      };
    }
    const maxFeePerGas = est.maxFeePerGas < caps.maxFeePerGas ? est.maxFeePerGas : caps.maxFeePerGas;
    let maxPriorityFeePerGas = est.maxPriorityFeePerGas < caps.maxPriorityFeePerGas ? est.maxPriorityFeePerGas : caps.maxPriorityFeePerGas;
    if (maxPriorityFeePerGas > maxFeePerGas) maxPriorityFeePerGas = maxFeePerGas;
    return { ok: true, fees: { maxFeePerGas, maxPriorityFeePerGas }, baseFee };
  }

  async prepare(_tx: UnsignedTx<TxIntent>, expected: number | undefined): Promise<Freshness> {
    const pending = await this.#o.client.getTransactionCount({ address: this.account as Address, blockTag: 'pending' });
    if (expected !== undefined && pending > expected) {
      return {
        ok: false,
        kind: 'external-nonce-use',
        message: `the chain's next nonce for ${this.account} is ${pending} but the keeper expected ${expected}: ${pending - expected} transaction(s) were sent from the vault's account outside the keeper; not sending (the vault is halted)`,
        detail: { chainNonce: pending, expected },
      };
    }
    if (expected !== undefined && pending < expected) {
      return {
        ok: false,
        kind: 'sequence-gap',
        message: `the chain's next nonce for ${this.account} is ${pending}, below the ${expected} the keeper expected: a transaction the keeper sent is gone from the chain and the pool`,
        detail: { chainNonce: pending, expected },
      };
    }
    const f = await this.#fees();
    if (!f.ok) return { ok: false, kind: 'fee-cap', message: f.message, detail: f.detail };
    return {
      ok: true,
      nonce: pending,
      ticket: f.fees,
      detail: { chainNonce: pending, expected: expected ?? null, baseFee: f.baseFee?.toString() ?? null },
    };
  }

  async #signRaw(p: { to: Address; data: Hex; value: bigint; nonce: number; gas: bigint; fees: FeeTicket }): Promise<SignedTx> {
    const signer = this.#o.signer;
    if (!signer?.signTransaction) throw new Error('no signing key loaded (dry-run)');
    const raw = (
      await signer.signTransaction({
        type: 'eip1559',
        chainId: this.#o.chainId,
        nonce: p.nonce,
        to: p.to,
        data: p.data,
        value: p.value,
        gas: p.gas,
        maxFeePerGas: p.fees.maxFeePerGas,
        maxPriorityFeePerGas: p.fees.maxPriorityFeePerGas,
      })
    ).toLowerCase() as Hex;
    return {
      raw,
      hash: keccak256(raw),
      nonce: p.nonce,
      maxFee: p.fees.maxFeePerGas,
      maxPriorityFee: p.fees.maxPriorityFeePerGas,
      meta: { gas: p.gas.toString(), type: 'eip1559', chainId: this.#o.chainId },
    };
  }

  async sign(tx: UnsignedTx<TxIntent>, prep: Extract<Freshness, { ok: true }>, sim: Extract<Simulation, { ok: true }>): Promise<SignedTx> {
    if (prep.nonce === null) throw new Error('EVM transactions need a nonce');
    const estimate = sim.gas ?? 21_000n;
    const headroom = BigInt(Math.round((this.#o.gasHeadroom ?? 0.2) * 10_000));
    const gas = (estimate * (BPS + headroom) + BPS - 1n) / BPS;
    return this.#signRaw({ to: tx.to as Address, data: tx.calldata as Hex, value: tx.value, nonce: prep.nonce, gas, fees: prep.ticket as FeeTicket });
  }

  async broadcast(raw: string): Promise<BroadcastResult> {
    try {
      await this.#o.client.sendRawTransaction({ serializedTransaction: raw as Hex });
      return { accepted: true };
    } catch (e) {
      const msg = e instanceof BaseError ? `${e.shortMessage} ${e.details ?? ''}` : String(e);
      if (/already known|known transaction|already imported|already exists|AlreadyKnown/i.test(msg)) return { accepted: true };
      // Nodes word "I have it already" differently (anvil: "Transaction creation failed"): ask by hash.
      const known = await this.lookup(keccak256(raw as Hex)).catch(() => ({ state: 'unknown' as const }));
      if (known.state !== 'unknown') return { accepted: true };
      return { accepted: false, reason: `${(e instanceof BaseError ? e.shortMessage : msg).trim()}${e instanceof BaseError && e.details ? ` (${e.details})` : ''}` };
    }
  }

  async lookup(hash: string): Promise<TxLookup> {
    const client = this.#o.client;
    try {
      const r = await client.getTransactionReceipt({ hash: hash as Hex });
      const head = await client.getBlockNumber({ cacheTime: 0 });
      const fee = r.gasUsed * r.effectiveGasPrice;
      return {
        state: 'mined',
        success: r.status === 'success',
        block: r.blockNumber,
        confirmations: Number(head - r.blockNumber + 1n),
        fee,
        detail: { gasUsed: r.gasUsed.toString(), effectiveGasPrice: r.effectiveGasPrice.toString(), blockHash: r.blockHash, status: r.status },
      };
    } catch (e) {
      if (!(e instanceof TransactionReceiptNotFoundError)) throw e;
    }
    try {
      await client.getTransaction({ hash: hash as Hex });
      return { state: 'pending' };
    } catch (e) {
      if (e instanceof TransactionNotFoundError) return { state: 'unknown' };
      throw e;
    }
  }

  async slotConsumed(tx: Pick<JournaledTx, 'nonce' | 'meta'>): Promise<boolean> {
    if (tx.nonce === null) return false;
    const mined = await this.#o.client.getTransactionCount({ address: this.account as Address, blockTag: 'latest' });
    return mined > tx.nonce;
  }

  async nextSequence(): Promise<number> {
    return this.#o.client.getTransactionCount({ address: this.account as Address, blockTag: 'pending' });
  }

  /** Fees for a transaction taking over a slot: ≥ bump over the highest there, and at least today's estimate; within the caps. */
  async #bumped(highest: { maxFee: bigint; maxPriorityFee: bigint }): Promise<{ ok: true; fees: FeeTicket } | { ok: false; reason: string }> {
    const caps = this.#o.fees;
    const est = await this.#o.client.estimateFeesPerGas();
    let prio = bumpFee(highest.maxPriorityFee, this.#o.bump);
    if (est.maxPriorityFeePerGas > prio) prio = est.maxPriorityFeePerGas;
    let max = bumpFee(highest.maxFee, this.#o.bump);
    if (est.maxFeePerGas > max) max = est.maxFeePerGas;
    if (max < prio) max = prio;
    if (max > caps.maxFeePerGas || prio > caps.maxPriorityFeePerGas) {
      return {
        ok: false,
        reason: `a ${Math.round(this.#o.bump * 1000) / 10} % bump needs maxFeePerGas ${max} / maxPriorityFeePerGas ${prio}, above the caps ${caps.maxFeePerGas} / ${caps.maxPriorityFeePerGas}`,
      };
    }
    return { ok: true, fees: { maxFeePerGas: max, maxPriorityFeePerGas: prio } };
  }

  async replacement(base: JournaledTx, highest: { maxFee: bigint; maxPriorityFee: bigint }): Promise<Resign> {
    if (base.nonce === null) return { ok: false, reason: 'no nonce' };
    const f = await this.#bumped(highest);
    if (!f.ok) return f;
    const gas = BigInt(String(base.meta?.gas ?? '0')) || 21_000n;
    const signed = await this.#signRaw({ to: base.to as Address, data: base.calldata as Hex, value: base.value, nonce: base.nonce, gas, fees: f.fees });
    return { ok: true, signed, to: base.to, calldata: base.calldata, value: base.value, description: 'replacement' };
  }

  async cancellation(nonce: number, highest: { maxFee: bigint; maxPriorityFee: bigint }): Promise<Resign> {
    const f = await this.#bumped(highest);
    if (!f.ok) return f;
    const signed = await this.#signRaw({ to: this.account as Address, data: '0x', value: 0n, nonce, gas: 21_000n, fees: f.fees });
    return { ok: true, signed, to: this.account, calldata: '0x', value: 0n, description: `cancel nonce ${nonce} (0-value self-transfer)` };
  }

  /**
   * The vault's balances of the given assets (null token = native ETH), at one block so they are
   * mutually consistent.
   */
  async balances(tokens: Readonly<Record<AssetId, Address | null>>, blockNumber?: bigint): Promise<Record<AssetId, bigint>> {
    const client = this.#o.client;
    const block = blockNumber ?? (await client.getBlockNumber({ cacheTime: 0 }));
    const out: Record<AssetId, bigint> = {};
    for (const [asset, token] of Object.entries(tokens)) {
      out[asset] =
        token === null
          ? await client.getBalance({ address: this.account as Address, blockNumber: block })
          : await client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [this.account as Address], blockNumber: block });
    }
    return out;
  }
}

// Shared with every chain's executor (chains/balance-check.ts); re-exported so the EVM API stays as it was.
export { checkBalances, type BalanceCheck } from '../balance-check.js';
