import { PublicKey, TransactionMessage, VersionedMessage, type AddressLookupTableAccount, type Connection } from '@solana/web3.js';
import type { Universe } from '../../../config/universe.js';
import type { AssetId } from '../../../domain/asset.js';
import type { Portfolio } from '../../../domain/portfolio.js';
import { DAY } from '../../../domain/time.js';
import type { ChainPendingRead, ExecutionContext, ExecutionResult, PlanContext, PlanEntry, PlanExecutor } from '../../../executor/executor.js';
import { KeeperError } from '../../../errors.js';
import type { ProposalJournal } from '../../../journal/proposal-journal.js';
import type { ChainBalances } from '../../chain-executor.js';
import { buildSolAction, prepareSolAction } from '../../solana/builders/registry.js';
import type { SolBuildContext, SolChainReader, SolProtocolBuilder, SolTxIntent } from '../../solana/builders/types.js';
import { checkSolTransaction } from '../../solana/policy/sol-policy-guard.js';
import type { SolPolicy } from '../../solana/policy/sol-policy-schema.js';
import type { SquadsGuard } from './squads-proposal.js';
import { SquadsProposer, type SquadsProposerOptions } from './squads-proposer.js';

/**
 * The propose-only plan executor for a vault that is a Squads v4 vault PDA: the cycle's plan is built by
 * the Solana builders (targeting the PDA and its ATAs), each builder transaction's instructions pass the
 * Solana policy guard on their own (with that builder's declared value at risk and quote), and all of
 * them become ONE vault transaction + proposal, with the rationale as its memo. The keeper's actions end
 * 'skipped' naming the proposal; the members approve and execute. While a proposal is pending none other
 * is made. Lifecycle and crash safety: squads-proposer.ts.
 */
export interface SquadsExecutorOptions {
  readonly mode: 'dry-run' | 'live';
  readonly connection: Pick<Connection, 'getAddressLookupTable'>;
  readonly reader: SolChainReader;
  readonly balances: ChainBalances;
  readonly vaultPda: PublicKey;
  readonly builders: readonly SolProtocolBuilder[];
  readonly buildContext: Omit<SolBuildContext, 'vault' | 'vaultOffCurve' | 'chain' | 'actionKey' | 'derived' | 'routes'>;
  readonly policy: SolPolicy;
  readonly proposals: ProposalJournal;
  /** Everything the proposer needs but the guard (made per plan, from that plan's builder declarations). */
  readonly proposer: Omit<SquadsProposerOptions, 'guard' | 'proposals'> | undefined;
  readonly chain: string;
  readonly multisigPda: PublicKey;
  readonly clock?: (() => number) | undefined;
}

type Result = ExecutionResult;

export class SquadsExecutor implements PlanExecutor {
  readonly mode: 'propose' | 'dry-run';
  readonly chain: string;
  readonly #o: SquadsExecutorOptions;
  readonly #clock: () => number;

  constructor(o: SquadsExecutorOptions) {
    if (o.mode === 'live' && !o.proposer) throw new KeeperError('proposing to Squads needs the member key');
    if (o.policy.vault !== o.vaultPda.toBase58()) throw new KeeperError(`the policy's vault ${o.policy.vault} is not the Squads vault PDA ${o.vaultPda.toBase58()}`);
    this.#o = o;
    this.mode = o.mode === 'live' ? 'propose' : 'dry-run';
    this.chain = o.chain;
    this.#clock = o.clock ?? Date.now;
  }

  #proposer(guard: SquadsGuard): SquadsProposer | undefined {
    const p = this.#o.proposer;
    return p ? new SquadsProposer({ ...p, guard, proposals: this.#o.proposals }) : undefined;
  }

  /** Follows the proposals (so an executed one's effects are read), then the vault PDA's balances. */
  async readHoldings(universe: Universe): Promise<ReadonlyMap<AssetId, bigint>> {
    await this.#proposer(() => ({ allowed: false, reason: 'following only' }))?.follow();
    return this.#o.balances.holdings(universe);
  }

  /** The vault PDA's pending redemptions as the chain shows them, after following the proposals (an executed one may have made or claimed a ticket). */
  async readPending(universe: Universe, now: number): Promise<ChainPendingRead | undefined> {
    await this.#proposer(() => ({ allowed: false, reason: 'following only' }))?.follow();
    return this.#o.balances.pending?.(universe, now);
  }

  async execute(action: PlanEntry['action'], portfolio: Portfolio, ctx: ExecutionContext): Promise<Result> {
    const id = (ctx as { actionId?: number }).actionId ?? 0;
    const [r] = await this.executePlan([{ action, actionId: id, onStatus: ctx.onStatus }], portfolio, { ...ctx, cycleId: (ctx as { cycleId?: number }).cycleId ?? 0, rationale: [action.reason], firings: [] });
    return r as Result;
  }

  /**
   * The guard the proposer runs on the compiled inner message: it is cut back into the builder
   * transactions it was made of, and each part must pass the policy on its own, with its own declarations
   * and the day's spending so far — so every inner instruction is checked as the single-key executor would.
   */
  #guard(intents: readonly SolTxIntent[], spentToday: bigint): SquadsGuard {
    const policy = this.#o.policy;
    return (bytes, vault, tables) => {
      const ixs = TransactionMessage.decompile(VersionedMessage.deserialize(bytes), { addressLookupTableAccounts: [...tables] }).instructions;
      const total = intents.reduce((n, i) => n + i.instructions.length, 0);
      if (ixs.length !== total) return { allowed: false, reason: `the message has ${ixs.length} instructions, the builders made ${total}` };
      const rules: string[] = [];
      let spent = spentToday;
      let at = 0;
      for (const [k, intent] of intents.entries()) {
        const part = ixs.slice(at, at + intent.instructions.length);
        at += intent.instructions.length;
        const message = new TransactionMessage({ payerKey: vault, recentBlockhash: PublicKey.default.toBase58(), instructions: part }).compileToV0Message([...tables]).serialize();
        const v = checkSolTransaction({ message, tables, declared: intent, spentToday: spent }, policy);
        if (!v.allowed) return { allowed: false, reason: `builder transaction ${k + 1} (${intent.description}): ${v.reason}` };
        spent += v.valueAtRisk;
        rules.push(...v.rules);
      }
      return { allowed: true, rules };
    };
  }

  async executePlan(entries: readonly PlanEntry[], portfolio: Portfolio, ctx: PlanContext): Promise<Result[]> {
    const o = this.#o;
    const all = (status: 'skipped' | 'failed', detail: Record<string, unknown>) => entries.map(() => ({ status, portfolio, detail }));
    const account = o.multisigPda.toBase58();
    await this.#proposer(() => ({ allowed: false, reason: 'following only' }))?.follow();
    const pending = o.proposals.pending(this.chain, account);
    if (pending) return all('skipped', { reason: `Squads proposal ${pending.hash} at transaction index ${pending.nonce} is pending (${pending.status}); no new proposal while it is`, proposal: { id: pending.id, transaction: pending.hash } });
    if (entries.length === 0) return [];

    const intents: SolTxIntent[] = [];
    for (const e of entries) {
      const base: SolBuildContext = { ...o.buildContext, vault: o.vaultPda, vaultOffCurve: true, actionKey: String(e.actionId) };
      try {
        const built = buildSolAction(e.action, await prepareSolAction(e.action, base, o.reader, o.builders), o.builders);
        intents.push(...built);
        e.onStatus('built', { vault: o.vaultPda.toBase58(), txs: built.map((t) => ({ description: t.description, instructions: t.instructions.length, valueAtRisk: t.valueAtRiskLamports.toString() })) });
      } catch (err) {
        return all('failed', { reason: (err as Error).message, stage: 'build', actionId: e.actionId });
      }
    }
    const tables: AddressLookupTableAccount[] = [];
    for (const addr of new Set(intents.flatMap((i) => i.lookupTables ?? []))) {
      const t = (await o.connection.getAddressLookupTable(new PublicKey(addr))).value;
      if (!t) return all('failed', { reason: `address lookup table ${addr} does not exist`, stage: 'build' });
      tables.push(t);
    }
    const dayStart = ctx.now - (ctx.now % DAY);
    const spentToday = o.proposals.valueAtRiskBetween(this.chain, account, dayStart, dayStart + DAY);
    const guard = this.#guard(intents, spentToday);
    const instructions = intents.flatMap((i) => [...i.instructions]);
    const valueAtRisk = intents.reduce((s, i) => s + i.valueAtRiskLamports, 0n);
    const proposer = this.#proposer(guard);
    if (this.mode === 'dry-run' || !proposer) {
      const whole = new TransactionMessage({ payerKey: o.vaultPda, recentBlockhash: PublicKey.default.toBase58(), instructions }).compileToV0Message(tables).serialize();
      const v = guard(whole, o.vaultPda, tables);
      if (!v.allowed) return all('failed', { reason: `refused: ${v.reason}`, stage: 'guard' });
      return all('skipped', { reason: 'dry-run: built and guarded as the Squads vault; not proposed', dryRun: true, rules: v.rules, valueAtRisk: valueAtRisk.toString() });
    }
    const r = await proposer.propose({ cycleId: ctx.cycleId, instructions, rationale: ctx.rationale, valueAtRisk, tables });
    if (r.status === 'refused') return all('failed', { reason: `refused: ${r.reason}`, stage: 'guard' });
    if (r.status === 'pending') return all('skipped', { reason: `Squads proposal ${r.proposal.hash} is pending; no new proposal while it is` });
    return all('skipped', { reason: `proposed to the Squads multisig ${account} as transaction ${r.proposal.nonce}: the members execute it`, proposal: { id: r.proposal.id, transaction: r.proposal.hash, index: r.proposal.nonce.toString(), signature: r.signature } });
  }
}
