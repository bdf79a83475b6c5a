import type { Logger } from 'pino';
import { getAddress, type Abi, type Address, type LocalAccount, type PublicClient } from 'viem';
import type { Universe } from '../../../config/universe.js';
import type { AssetId } from '../../../domain/asset.js';
import { DAY } from '../../../domain/time.js';
import type { KeeperEvent } from '../../../domain/event.js';
import type { ExecutionContext, ExecutionResult, PlanContext, PlanEntry, PlanExecutor } from '../../../executor/executor.js';
import { KeeperError } from '../../../errors.js';
import type { ProposalJournal, ProposalRecord } from '../../../journal/proposal-journal.js';
import { markOf } from '../../../market/valuation.js';
import { HALT_EVENT, haltState } from '../../execution-pipeline.js';
import type { Portfolio } from '../../../domain/portfolio.js';
import { evmChainKey } from '../evm-adapter.js';
import { fairRatesFor } from '../evm-executor.js';
import { buildSafeBatch, expectedChanges, grossFlows, type BatchDeps } from './safe-batch.js';
import { checkSafeTx, verifyMultiSendCallOnly } from './safe-guard.js';
import { followProposals, type FollowReport } from './safe-lifecycle.js';
import { actionSummary, type ProposalDescription } from './proposal-text.js';
import type { SafeTxServiceClient } from './safe-service.js';
import { simulateAsSafe } from './safe-simulate.js';
import { getTransactionHashArgs, multiSendCalldata, OPERATION, plainSafeTx, safeAbi, safeTxHash, type InnerCall } from './safe-tx.js';
import { replacementReason } from './replacement.js';
import { proposeCancel, SafeSubmitter } from './safe-submit.js';

/**
 * The propose-only executor for a vault that is a Safe. The keeper decides, plans, guards and simulates
 * as always; then the cycle's plan becomes ONE Safe transaction (the calls batched through
 * MultiSendCallOnly by DELEGATECALL), signed by the proposer key (an owner under a threshold above one,
 * or a delegate) and delivered to the Safe Transaction Service and/or as a Transaction Builder file. The
 * signers execute it. The keeper's actions end 'skipped' with the proposal named in their detail: the
 * keeper itself moved nothing. What the signers did is followed in the journal's proposals (see
 * safe-lifecycle.ts), and the next cycle plans from the Safe's real balances.
 *
 * Crash safety: the proposal's intent, with its deterministic safeTxHash, the signature and the body, is
 * journaled before delivery; a restart delivers that same proposal again (the service is idempotent by
 * hash) and makes no other while it is pending.
 */

export interface SafeProposerOptions {
  readonly mode: 'dry-run' | 'live';
  readonly client: PublicClient;
  readonly chainId: number;
  readonly safe: Address;
  /** The proposer's key (live only). */
  readonly proposer?: LocalAccount | undefined;
  readonly multiSendCallOnly: Address;
  readonly batch: Omit<BatchDeps, 'client' | 'chainId'>;
  readonly journal: { recordEvent(e: KeeperEvent & { cycleId?: number | null }): void; latestEvent: Parameters<typeof haltState>[0]['latestEvent'] };
  readonly proposals: ProposalJournal;
  readonly vaultName: string;
  readonly service?: SafeTxServiceClient | undefined;
  /** Directory for Transaction Builder batch files. */
  readonly builderDir?: string | undefined;
  readonly staleAfterMs: number;
  readonly maxDrift: number;
  readonly replaceOnBreaker: boolean;
  readonly tolerance: number;
  readonly originMaxLength: number;
  readonly errorAbis?: readonly Abi[] | undefined;
  readonly clock?: (() => number) | undefined;
  readonly log?: Logger | undefined;
}

type Skip = { status: 'skipped' | 'failed'; detail: Record<string, unknown> };

export class SafeProposer implements PlanExecutor {
  readonly mode: 'propose' | 'dry-run';
  readonly chain: string;
  readonly #o: SafeProposerOptions;
  readonly #clock: () => number;
  #halt: string | undefined;
  #atRead: FollowReport | undefined;
  #multiSendChecked = false;
  readonly #submitter: SafeSubmitter;

  constructor(o: SafeProposerOptions) {
    if (o.mode === 'live' && !o.proposer) throw new KeeperError('proposing to a Safe needs the proposer key');
    if (getAddress(o.batch.buildContext.vault) !== getAddress(o.safe)) throw new KeeperError(`the builders' vault ${o.batch.buildContext.vault} is not the Safe ${o.safe}`);
    if (!o.service && !o.builderDir) throw new KeeperError('a Safe proposal needs a delivery: a transaction service, a builder-file directory, or both');
    this.#o = o;
    this.mode = o.mode === 'live' ? 'propose' : 'dry-run';
    this.chain = evmChainKey(o.chainId);
    this.#clock = o.clock ?? Date.now;
    this.#halt = haltState(o.journal, o.vaultName);
    this.#submitter = new SafeSubmitter({ ...o, chain: this.chain, safe: getAddress(o.safe), clock: this.#clock });
  }

  get safe(): Address {
    return getAddress(this.#o.safe);
  }

  haltReason(): string | undefined {
    return this.#halt;
  }

  #haltVault(cause: string, message: string, data: Record<string, unknown>): void {
    this.#o.journal.recordEvent({ at: this.#clock(), kind: HALT_EVENT, severity: 'critical', message: `${cause}: ${message}`, data: { cause, ...data } });
    this.#halt = `${cause}: ${message}`;
  }

  #cancelDeps() {
    const o = this.#o;
    return { client: o.client, chainId: o.chainId, safe: this.safe, multiSendCallOnly: o.multiSendCallOnly, vaultName: o.vaultName, recordEvent: (e: KeeperEvent & { cycleId?: number | null }) => o.journal.recordEvent(e), clock: this.#clock };
  }

  /**
   * Safe nonces used while the keeper had no proposal at them (the owners' own transactions): the gap
   * between the nonce after the keeper's last proposal and the Safe's nonce now, recorded once — the new
   * proposal then sits past it. Nonces the keeper had a proposal at are recorded by the lifecycle.
   */
  #noteOutsideNonces(seen: FollowReport, cycleId: number): void {
    const known = this.#o.proposals.ofAccount(this.chain, this.safe);
    if (known.length === 0) return;
    const next = known.reduce((m, p) => (p.nonce + 1n > m ? p.nonce + 1n : m), 0n);
    if (seen.safeNonce <= next) return;
    const range = seen.safeNonce - 1n === next ? `nonce ${next}` : `nonces ${next}–${seen.safeNonce - 1n}`;
    this.#o.journal.recordEvent({ cycleId, at: this.#clock(), kind: 'safe-nonce-external', severity: 'warn', message: `Safe ${range} used by transactions the keeper did not propose (the Safe's nonce is now ${seen.safeNonce})`, data: { from: next.toString(), to: (seen.safeNonce - 1n).toString() } });
  }

  /** Follows every proposal to its outcome (see safe-lifecycle.ts). */
  async follow(): Promise<FollowReport> {
    const o = this.#o;
    return followProposals({
      client: o.client,
      chain: this.chain,
      safe: this.safe,
      proposals: o.proposals,
      recordEvent: (e) => o.journal.recordEvent(e),
      service: o.mode === 'live' ? o.service : undefined,
      redeliver: (p) => (o.mode === 'live' ? this.#submitter.deliver(p) : Promise.reject(new Error('dry-run delivers nothing'))),
      tokens: o.batch.buildContext.tokens,
      nativeAsset: o.batch.nativeAsset,
      tolerance: o.tolerance,
      halt: (c, m, d) => this.#haltVault(c, m, d),
      clock: this.#clock,
    });
  }

  /** Before each decision: follow the proposals, then read the Safe's balances at that same block. */
  async readHoldings(universe: Universe): Promise<ReadonlyMap<AssetId, bigint>> {
    const r = await this.follow();
    this.#atRead = r;
    const { client } = this.#o;
    const out = new Map<AssetId, bigint>();
    for (const a of universe.assets) {
      const token = this.#o.batch.buildContext.tokens[a.id];
      if (a.id === this.#o.batch.nativeAsset) out.set(a.id, await client.getBalance({ address: this.safe, blockNumber: r.block }));
      else if (token) out.set(a.id, await client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [this.safe], blockNumber: r.block }));
    }
    return out;
  }

  /** Single-action entry point of the Executor port: a plan of one. */
  async execute(action: PlanEntry['action'], portfolio: Portfolio, ctx: ExecutionContext): Promise<ExecutionResult> {
    const id = (ctx as { actionId?: number }).actionId ?? 0;
    const [r] = await this.executePlan([{ action, actionId: id, onStatus: ctx.onStatus }], portfolio, { ...ctx, cycleId: (ctx as { cycleId?: number }).cycleId ?? 0, rationale: [action.reason], firings: [] });
    return r as ExecutionResult;
  }

  async executePlan(entries: readonly PlanEntry[], portfolio: Portfolio, ctx: PlanContext): Promise<ExecutionResult[]> {
    const all = (s: Skip) => entries.map(() => ({ status: s.status, portfolio, detail: s.detail }));
    if (this.#halt) return all({ status: 'skipped', detail: { reason: `vault halted: ${this.#halt}` } });
    const now = await this.follow();
    if (this.#atRead && now.safeNonce !== this.#atRead.safeNonce) {
      return all({ status: 'skipped', detail: { reason: `the Safe's nonce moved from ${this.#atRead.safeNonce} to ${now.safeNonce} after this cycle read its balances: the plan is out of date; planning again next cycle` } });
    }
    const pending = this.#o.proposals.pending(this.chain, this.safe);
    if (pending) {
      const why = replacementReason(pending, ctx, { now: this.#clock(), staleAfterMs: this.#o.staleAfterMs, maxDrift: this.#o.maxDrift, onBreaker: this.#o.replaceOnBreaker });
      if (!why) return all({ status: 'skipped', detail: { reason: `proposal ${pending.hash} at Safe nonce ${pending.nonce} is pending (${pending.status}); no new proposal while it is`, proposal: { id: pending.id, safeTxHash: pending.hash } } });
      if (this.mode === 'dry-run') return all({ status: 'skipped', detail: { reason: `dry-run: proposal ${pending.hash} would be replaced (${why.reason})` } });
      if (entries.length === 0) {
        // Nothing to do instead. A stale proposal is only retired; one the market or a breaker has made
        // wrong is withdrawn with the Safe's own cancel at its nonce, for the signers to execute instead.
        if (why.kind === 'stale') this.#o.proposals.recordStatus(pending.id, 'stale', this.#clock(), { reason: why.reason, noReplacement: 'the new plan is empty' });
        else await proposeCancel(this.#submitter, this.#cancelDeps(), pending, why, ctx, now);
        return [];
      }
      return this.#propose(entries, portfolio, ctx, now, { record: pending, kind: why.kind, reason: why.reason });
    }
    if (entries.length === 0) return [];
    return this.#propose(entries, portfolio, ctx, now, undefined);
  }

  async #propose(entries: readonly PlanEntry[], portfolio: Portfolio, ctx: PlanContext, seen: FollowReport, replaces: { record: ProposalRecord; kind: 'stale' | 'drift' | 'breaker'; reason: string } | undefined): Promise<ExecutionResult[]> {
    const o = this.#o;
    const fail = (reason: string, detail: Record<string, unknown> = {}) => entries.map(() => ({ status: 'failed' as const, portfolio, detail: { reason, ...detail } }));
    if (!this.#multiSendChecked) {
      const v = await verifyMultiSendCallOnly(o.client, o.multiSendCallOnly);
      if (!v.allowed) return fail(`refused: ${v.reason}`, { stage: 'guard' });
      this.#multiSendChecked = true;
    }
    const [threshold, isOwner] = await Promise.all([
      o.client.readContract({ address: this.safe, abi: safeAbi, functionName: 'getThreshold' }),
      o.proposer ? o.client.readContract({ address: this.safe, abi: safeAbi, functionName: 'isOwner', args: [o.proposer.address] }) : Promise.resolve(false),
    ]);
    if (isOwner && threshold < 2n) return fail(`refused: the proposer ${o.proposer?.address} is an owner of a Safe with threshold ${threshold}; a proposer must not be able to execute alone`, { stage: 'guard' });

    this.#noteOutsideNonces(seen, ctx.cycleId);
    const dayStart = ctx.now - (ctx.now % DAY);
    // A replacement takes its predecessor's nonce: only one of the two can ever execute, so only one counts.
    const spentToday = o.proposals.valueAtRiskBetween(this.chain, this.safe, dayStart, dayStart + DAY, replaces?.record.id);
    const built = await buildSafeBatch({ ...o.batch, client: o.client, chainId: o.chainId }, entries.map((e) => e.action), { spentToday, now: ctx.now, fairRates: (a) => fairRatesFor(a, ctx) });
    if (!built.ok) return fail(built.reason, { stage: built.stage, index: built.index });
    for (const [k, e] of entries.entries()) {
      const b = built.actions[k]!;
      e.onStatus('built', { safe: this.safe, txs: b.intents.map((t, i) => ({ description: t.description, to: t.to, value: t.value.toString(), calldata: t.data, allowedBy: b.rules[i] })), ...(b.note ? { note: b.note } : {}) });
    }
    const calls: InnerCall[] = built.actions.flatMap((b) => b.intents.map((t) => ({ to: getAddress(t.to), value: t.value, data: t.data, operation: OPERATION.call })));
    const tx = plainSafeTx({ to: o.multiSendCallOnly, data: multiSendCalldata(calls), operation: OPERATION.delegatecall, nonce: seen.safeNonce });
    const guard = checkSafeTx(tx, { multiSendCallOnly: o.multiSendCallOnly, allowed: calls });
    if (!guard.allowed) return fail(`refused: ${guard.reason}`, { stage: 'guard' });
    const hash = safeTxHash(o.chainId, this.safe, tx);
    const theirs = await o.client.readContract({ address: this.safe, abi: safeAbi, functionName: 'getTransactionHash', args: getTransactionHashArgs(tx), blockNumber: seen.block });
    if (theirs.toLowerCase() !== hash.toLowerCase()) return fail(`the Safe's getTransactionHash ${theirs} differs from the EIP-712 hash computed here ${hash}: not proposing`, { stage: 'hash' });

    if (replaces && replaces.record.hash.toLowerCase() === hash.toLowerCase()) {
      return entries.map(() => ({ status: 'skipped' as const, portfolio, detail: { reason: `proposal ${hash} is ${replaces.reason}, but the plan made now is the very same Safe transaction: it stands` } }));
    }
    const sim = await simulateAsSafe(o.client, { safe: this.safe, multiSendCallOnly: o.multiSendCallOnly, payload: tx.data, calls, errorAbis: o.errorAbis });
    if (!sim.ok) return fail(`simulation as the Safe: ${sim.reason}`, sim.detail);
    for (const e of entries) e.onStatus('simulated', { safeTxHash: hash, nonce: seen.safeNonce.toString(), ...sim.detail });

    const plan = built.actions.map((b) => b.action);
    const u = ctx.universe;
    const marks: Record<AssetId, number> = {};
    for (const a of plan) for (const id of [a.from, a.to]) {
      const m = markOf(u, ctx.snapshot, id);
      if (m !== undefined) marks[id] = m;
    }
    const description: ProposalDescription = {
      keeper: 'restake-keeper',
      vault: o.vaultName,
      cycleId: ctx.cycleId,
      decisionTime: new Date(ctx.now).toISOString(),
      rationale: ctx.rationale,
      actions: built.actions.map((b) => actionSummary(b.action, b.note)),
      expectedChanges: Object.fromEntries([...expectedChanges(plan)].map(([k, v]) => [k, v.toString()])),
      simulation: { ok: true, gas: sim.gas.toString(), via: 'the Safe delegatecalling MultiSendCallOnly (fallback handler simulate)' },
      marks,
      ...(replaces ? { replaces: { safeTxHash: replaces.record.hash, reason: replaces.reason } } : {}),
    };
    const result = (detail: Record<string, unknown>) => entries.map(() => ({ status: 'skipped' as const, portfolio, detail }));
    if (this.mode === 'dry-run') {
      return result({ reason: 'dry-run: built, guarded, hashed and simulated as the Safe; not signed or proposed', dryRun: true, safeTxHash: hash, nonce: seen.safeNonce.toString(), simulation: description.simulation, expectedChanges: description.expectedChanges });
    }

    const sub = await this.#submitter.submit({ tx, hash, description, decimals: (a: AssetId) => u.registryAssets.get(a)?.decimals ?? u.baseDecimals, calls, extra: { grossFlows: Object.fromEntries([...grossFlows(plan)].map(([k, v]) => [k, v.toString()])), actionIds: entries.map((e) => e.actionId) }, valueAtRisk: built.valueAtRisk, seen, ctx, replaces, onSigned: (id) => {
      for (const e of entries) e.onStatus('signed', { safeTxHash: hash, nonce: seen.safeNonce.toString(), proposer: o.proposer?.address, proposalId: id });
    } });
    if (!sub.ok) return fail(sub.reason, { stage: 'sign' });
    return result(sub.detail);
  }

}

const erc20Abi = [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ name: '', type: 'uint256' }] }] as const;
