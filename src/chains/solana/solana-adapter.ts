import { createHash } from 'node:crypto';
import {
  ComputeBudgetProgram,
  Keypair,
  PublicKey,
  TransactionMessage,
  VersionedMessage,
  VersionedTransaction,
  type AddressLookupTableAccount,
  type Commitment,
  type Connection,
  type TransactionInstruction,
} from '@solana/web3.js';
import type { PlannedAction } from '../../domain/action.js';
import { KeeperError } from '../../errors.js';
import { BuildError } from '../build-error.js';
import type { BroadcastResult, BuildInputs, BuildResult, ChainAdapter, Freshness, JournaledTx, Resign, SignedTx, Simulation, TxLookup, UnsignedTx } from '../chain-adapter.js';
import { TICKET_BASE_ROLE } from './builders/jito-vault.js';
import { buildSolAction, prepareSolAction } from './builders/registry.js';
import type { SolBuildContext, SolChainReader, SolProtocolBuilder, SolTxIntent } from './builders/types.js';
import { checkSolTransaction } from './policy/sol-policy-guard.js';
import type { SolPolicy } from './policy/sol-policy-schema.js';
import { computeUnitLimit, recentPriorityFee } from './solana-fees.js';

/**
 * The Solana chain adapter behind the chain-agnostic pipeline. v0 messages; compute units from simulation
 * plus a margin; the priority fee from recent prioritization fees at a percentile, refused above the cap.
 * The slot model is expiry: a signed transaction can land only while its blockhash is valid (block height
 * ≤ lastValidBlockHeight); the pipeline rebroadcasts the same bytes until then and re-signs
 * (resignExpired) only once the blockhash has expired at finalized height AND no signature of the step is
 * in the chain's history. Confirmation is at the configured commitment.
 */
export interface SolanaAdapterOptions {
  readonly connection: Connection;
  readonly vault: PublicKey;
  /** Present in live mode only; never logged or journaled. */
  readonly signer?: Keypair | undefined;
  readonly builders: readonly SolProtocolBuilder[];
  readonly buildContext: Omit<SolBuildContext, 'vault' | 'chain' | 'actionKey' | 'derived' | 'routes'>;
  readonly policy: SolPolicy;
  readonly commitment: Extract<Commitment, 'confirmed' | 'finalized'>;
  readonly fees: { readonly percentile: number; readonly maxMicroLamportsPerCu: bigint; readonly minMicroLamportsPerCu: bigint };
  readonly computeUnitMargin: number;
  readonly maxComputeUnits: number;
  /** A journal key for the cluster, e.g. "solana:mainnet-beta". */
  readonly cluster: string;
}

export interface SolTxPayload {
  readonly intent: SolTxIntent;
  readonly tables: readonly AddressLookupTableAccount[];
  /** Derived signers (role → public key) the message needs besides the vault. */
  readonly derivedRoles: readonly string[];
  readonly actionKey: string;
}

interface Ticket {
  readonly blockhash: string;
  readonly lastValidBlockHeight: number;
  readonly microLamports: bigint;
}

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;
const unhex = (h: string) => Buffer.from(h.replace(/^0x/, ''), 'hex');
const PLACEHOLDER_BLOCKHASH = '11111111111111111111111111111111';

export class SolanaAdapter implements ChainAdapter<SolTxPayload> {
  readonly chain: string;
  readonly account: string;
  readonly #o: SolanaAdapterOptions;

  constructor(o: SolanaAdapterOptions) {
    this.#o = o;
    this.chain = o.cluster;
    this.account = o.vault.toBase58();
    if (o.signer && !o.signer.publicKey.equals(o.vault)) throw new KeeperError(`the key is for ${o.signer.publicKey.toBase58()}, not the vault ${o.vault.toBase58()}`);
  }

  get canSign(): boolean {
    return this.#o.signer !== undefined;
  }

  get connection(): Connection {
    return this.#o.connection;
  }

  /** A signer derived from the vault key and the action (e.g. a VRT ticket's base): the same on every rebuild. */
  #derived(role: string, actionKey: string): Keypair {
    const secret = this.#o.signer?.secretKey ?? this.#o.vault.toBytes();
    return Keypair.fromSeed(createHash('sha256').update(Buffer.from(secret)).update(`\0${role}\0${actionKey}`).digest());
  }

  readonly reader: SolChainReader = {
    readAccounts: async (keys) => {
      const c = this.#o.connection;
      const [res, epoch] = await Promise.all([c.getMultipleAccountsInfoAndContext([...keys], this.#o.commitment), c.getEpochInfo(this.#o.commitment)]);
      const accounts = new Map(keys.map((k, i) => {
        const a = res.value[i];
        return [k.toBase58(), a ? { data: new Uint8Array(a.data), owner: a.owner, lamports: BigInt(a.lamports) } : null] as const;
      }));
      return { slot: BigInt(res.context.slot), epoch: BigInt(epoch.epoch), accounts };
    },
  };

  async build(action: PlannedAction, ctx: BuildInputs): Promise<BuildResult<SolTxPayload>> {
    const actionKey = ctx.actionId !== undefined ? `${this.chain}/${this.account}/action-${ctx.actionId}` : `dry-run/${ctx.now}/${action.seq}`;
    const derived = { [TICKET_BASE_ROLE]: this.#derived(TICKET_BASE_ROLE, actionKey).publicKey };
    const base: SolBuildContext = { ...this.#o.buildContext, vault: this.#o.vault, actionKey, derived };
    let intents: SolTxIntent[];
    try {
      const prepared = await prepareSolAction(action, base, this.reader, this.#o.builders);
      intents = buildSolAction(action, prepared, this.#o.builders);
    } catch (e) {
      if (e instanceof BuildError) return { ok: false, reason: e.message, detail: e.context };
      throw e;
    }
    const txs: UnsignedTx<SolTxPayload>[] = [];
    let spent = ctx.spentToday;
    for (const [seq, intent] of intents.entries()) {
      const tables = await this.#tables(intent.lookupTables ?? []);
      const derivedRoles = Object.entries(derived).filter(([, k]) => intent.instructions.some((ix) => ix.keys.some((m) => m.isSigner && m.pubkey.equals(k)))).map(([r]) => r);
      // The guard sees the message as it will be signed, with the compute budget at its ceilings.
      const message = this.#compile(intent, tables, PLACEHOLDER_BLOCKHASH, this.#o.maxComputeUnits, this.#o.fees.maxMicroLamportsPerCu);
      const verdict = checkSolTransaction({ message, tables, declared: intent, spentToday: spent }, this.#o.policy);
      if (!verdict.allowed) return { ok: false, reason: `policy refused transaction ${seq + 1} (${intent.description}): ${verdict.reason}`, detail: { policy: 'refused', seq, instruction: verdict.instruction } };
      spent += verdict.valueAtRisk;
      txs.push({ seq, description: intent.description, to: null, calldata: hex(message), value: 0n, valueAtRisk: verdict.valueAtRisk, payload: { intent, tables, derivedRoles, actionKey }, allowedBy: verdict.rules.join(',') });
    }
    return { ok: true, txs };
  }

  async #tables(addresses: readonly string[]): Promise<AddressLookupTableAccount[]> {
    const out: AddressLookupTableAccount[] = [];
    for (const a of addresses) {
      const r = await this.#o.connection.getAddressLookupTable(new PublicKey(a));
      if (!r.value) throw new KeeperError(`address lookup table ${a} does not exist`);
      out.push(r.value);
    }
    return out;
  }

  #compile(intent: SolTxIntent, tables: readonly AddressLookupTableAccount[], blockhash: string, units: number, microLamports: bigint): Uint8Array {
    const budget: TransactionInstruction[] = [ComputeBudgetProgram.setComputeUnitLimit({ units }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports })];
    return new TransactionMessage({ payerKey: this.#o.vault, recentBlockhash: blockhash, instructions: [...budget, ...intent.instructions] }).compileToV0Message([...tables]).serialize();
  }

  async simulate(tx: UnsignedTx<SolTxPayload>): Promise<Simulation> {
    const { intent, tables } = tx.payload;
    const message = VersionedMessage.deserialize(this.#compile(intent, tables, PLACEHOLDER_BLOCKHASH, this.#o.maxComputeUnits, 0n));
    const s = intent.slippage && !intent.slippage.enforcedOnChain ? intent.slippage : undefined;
    const dest = s ? new PublicKey(s.destination) : undefined;
    const pre = dest ? await this.#amountOf(dest) : 0n;
    const r = await this.#o.connection.simulateTransaction(new VersionedTransaction(message), {
      sigVerify: false,
      replaceRecentBlockhash: true,
      commitment: this.#o.commitment,
      ...(dest ? { accounts: { encoding: 'base64', addresses: [dest.toBase58()] } } : {}),
    });
    const v = r.value;
    const logs = (v.logs ?? []).slice(-8);
    if (v.err) return { ok: false, reason: `${JSON.stringify(v.err)}${logs.length ? ` — ${logs.join(' | ')}` : ''}`, detail: { err: v.err, logs } };
    const units = BigInt(v.unitsConsumed ?? 0);
    if (s && dest) {
      // The program takes no minimum out: check the simulated output against it before anything is signed.
      const acc = v.accounts?.[0];
      const post = acc ? amountFrom(Buffer.from(acc.data[0] ?? '', 'base64'), BigInt(acc.lamports), dest.equals(this.#o.vault)) : 0n;
      if (post - pre < s.minOut) return { ok: false, reason: `simulated output ${post - pre} is below the minimum ${s.minOut} (the program does not enforce one)`, detail: { pre: pre.toString(), post: post.toString() } };
    }
    return { ok: true, gas: units, detail: { unitsConsumed: units.toString(), logs } };
  }

  async #amountOf(key: PublicKey): Promise<bigint> {
    const a = await this.#o.connection.getAccountInfo(key, this.#o.commitment);
    if (!a) return 0n;
    return amountFrom(a.data, BigInt(a.lamports), key.equals(this.#o.vault));
  }

  async prepare(tx: UnsignedTx<SolTxPayload>): Promise<Freshness> {
    const writable = tx.payload.intent.instructions.flatMap((ix) => ix.keys.filter((k) => k.isWritable).map((k) => k.pubkey));
    const fee = await recentPriorityFee(this.#o.connection, writable, this.#o.fees.percentile);
    const microLamports = fee < this.#o.fees.minMicroLamportsPerCu ? this.#o.fees.minMicroLamportsPerCu : fee;
    if (microLamports > this.#o.fees.maxMicroLamportsPerCu) {
      return { ok: false, kind: 'fee-cap', message: `priority fee ${microLamports} micro-lamports/CU (p${this.#o.fees.percentile} of recent fees) is above the cap ${this.#o.fees.maxMicroLamportsPerCu}`, detail: { microLamports: microLamports.toString() } };
    }
    const bh = await this.#o.connection.getLatestBlockhash(this.#o.commitment);
    const ticket: Ticket = { blockhash: bh.blockhash, lastValidBlockHeight: bh.lastValidBlockHeight, microLamports };
    return { ok: true, nonce: null, ticket, detail: { blockhash: bh.blockhash, lastValidBlockHeight: bh.lastValidBlockHeight, microLamportsPerCu: microLamports.toString() } };
  }

  async sign(tx: UnsignedTx<SolTxPayload>, prep: Extract<Freshness, { ok: true }>, sim: Extract<Simulation, { ok: true }>): Promise<SignedTx> {
    const t = prep.ticket as Ticket;
    const units = computeUnitLimit(sim.gas ?? 200_000n, this.#o.computeUnitMargin, this.#o.maxComputeUnits);
    const message = this.#compile(tx.payload.intent, tx.payload.tables, t.blockhash, units, t.microLamports);
    return this.#signMessage(message, tx.payload, { lastValidBlockHeight: t.lastValidBlockHeight, units, microLamports: t.microLamports, declared: tx.payload.intent });
  }

  #signMessage(messageBytes: Uint8Array, payload: Pick<SolTxPayload, 'tables' | 'derivedRoles' | 'actionKey'>, m: { lastValidBlockHeight: number; units: number; microLamports: bigint; declared: SolTxIntent | { valueAtRiskLamports: bigint } }): SignedTx {
    const signer = this.#o.signer;
    if (!signer) throw new KeeperError('no signing key loaded');
    // The exact bytes about to be signed pass the guard once more (blockhash and compute budget filled in).
    const verdict = checkSolTransaction({ message: messageBytes, tables: payload.tables, declared: m.declared, spentToday: 0n }, { ...this.#o.policy, perDay: this.#o.policy.perDay * 1000n });
    if (!verdict.allowed) throw new KeeperError(`policy refused the message as signed: ${verdict.reason}`);
    const vtx = new VersionedTransaction(VersionedMessage.deserialize(messageBytes));
    vtx.sign([signer, ...payload.derivedRoles.map((r) => this.#derived(r, payload.actionKey))]);
    const sig = vtx.signatures[0] as Uint8Array;
    const blockhash = vtx.message.recentBlockhash;
    return {
      raw: hex(vtx.serialize()),
      hash: base58(sig),
      nonce: null,
      maxFee: m.microLamports,
      maxPriorityFee: m.microLamports,
      meta: { blockhash, lastValidBlockHeight: m.lastValidBlockHeight, computeUnits: m.units, microLamportsPerCu: m.microLamports.toString(), derivedRoles: payload.derivedRoles, actionKey: payload.actionKey, tables: payload.tables.map((x) => x.key.toBase58()) },
    };
  }

  async broadcast(raw: string): Promise<BroadcastResult> {
    try {
      await this.#o.connection.sendRawTransaction(unhex(raw), { skipPreflight: true, maxRetries: 0 });
      return { accepted: true };
    } catch (e) {
      const msg = (e as Error).message;
      if (/already (been )?processed/i.test(msg)) return { accepted: true };
      return { accepted: false, reason: msg };
    }
  }

  async lookup(hash: string): Promise<TxLookup> {
    const c = this.#o.connection;
    const st = (await c.getSignatureStatuses([hash], { searchTransactionHistory: true })).value[0];
    if (!st) return { state: 'unknown' };
    const reached = st.confirmationStatus === 'finalized' || (this.#o.commitment === 'confirmed' && st.confirmationStatus === 'confirmed');
    if (!reached) return { state: 'mined', success: st.err === null, block: BigInt(st.slot), confirmations: 0, fee: 0n, detail: { confirmationStatus: st.confirmationStatus ?? 'processed' } };
    const tx = await c.getTransaction(hash, { maxSupportedTransactionVersion: 0, commitment: this.#o.commitment });
    const fee = BigInt(tx?.meta?.fee ?? 0);
    const rent = tx?.meta ? await this.#rentDeposits(tx) : 0n;
    return { state: 'mined', success: st.err === null, block: BigInt(st.slot), confirmations: 1, fee: fee + rent, detail: { confirmationStatus: st.confirmationStatus, fee: fee.toString(), rentDeposits: rent.toString(), ...(st.err ? { err: st.err } : {}) } };
  }

  /**
   * SOL the vault put into accounts the transaction created (ATAs, split stake, tickets): their rent-exempt
   * minimum, counted with the fee so reconciliation does not take rent for a loss.
   */
  async #rentDeposits(tx: NonNullable<Awaited<ReturnType<Connection['getTransaction']>>>): Promise<bigint> {
    const meta = tx.meta;
    if (!meta || meta.err) return 0n;
    const keys = tx.transaction.message.getAccountKeys({ accountKeysFromLookups: meta.loadedAddresses ?? null });
    let total = 0n;
    for (let i = 1; i < meta.preBalances.length; i++) {
      if (meta.preBalances[i] !== 0 || (meta.postBalances[i] ?? 0) === 0) continue;
      const key = keys.get(i);
      if (!key) continue;
      const info = await this.#o.connection.getAccountInfo(key, this.#o.commitment);
      if (!info) continue;
      const min = BigInt(await this.#o.connection.getMinimumBalanceForRentExemption(info.data.length));
      const post = BigInt(meta.postBalances[i] ?? 0);
      total += post < min ? post : min;
    }
    return total;
  }

  async slotConsumed(tx: Pick<JournaledTx, 'nonce' | 'meta'>): Promise<boolean> {
    const last = Number(tx.meta?.lastValidBlockHeight);
    if (!Number.isFinite(last)) return false;
    // Finalized height: a transaction can land in any block up to lastValidBlockHeight; only once the
    // finalized chain is past it can the blockhash never be used again.
    return (await this.#o.connection.getBlockHeight('finalized')) > last;
  }

  async nextSequence(): Promise<number | undefined> {
    return undefined;
  }

  async resignExpired(base: JournaledTx): Promise<Resign> {
    if (!this.#o.signer) return { ok: false, reason: 'no signing key loaded' };
    const meta = base.meta ?? {};
    const old = VersionedMessage.deserialize(unhex(base.calldata));
    const tables = await this.#tables(Array.isArray(meta.tables) ? (meta.tables as string[]) : []);
    const bh = await this.#o.connection.getLatestBlockhash(this.#o.commitment);
    old.recentBlockhash = bh.blockhash;
    const bytes = old.serialize();
    const microLamports = base.maxPriorityFee ?? 0n;
    if (microLamports > this.#o.fees.maxMicroLamportsPerCu) return { ok: false, reason: `its priority fee ${microLamports} is above the cap` };
    const signed = this.#signMessage(bytes, { tables, derivedRoles: (meta.derivedRoles as string[] | undefined) ?? [], actionKey: String(meta.actionKey ?? '') }, {
      lastValidBlockHeight: bh.lastValidBlockHeight,
      units: Number(meta.computeUnits ?? this.#o.maxComputeUnits),
      microLamports,
      declared: { valueAtRiskLamports: 0n },
    });
    return { ok: true, signed, to: null, calldata: hex(bytes), value: 0n, description: 're-signed with a fresh blockhash after the first expired unseen' };
  }
}

/** A token account's amount (offset 64), or the lamports of a system account (the vault itself). */
function amountFrom(data: Uint8Array, lamports: bigint, isSystem: boolean): bigint {
  if (isSystem) return lamports;
  return data.length >= 72 ? Buffer.from(data).readBigUInt64LE(64) : 0n;
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Base58 (Bitcoin alphabet), as Solana writes signatures. */
export function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}
