import type { Logger } from 'pino';
import { getAddress, recoverTypedDataAddress, type Abi, type Address, type Hex, type LocalAccount, type PublicClient } from 'viem';
import type { Universe } from '../../../config/universe.js';
import type { AssetId } from '../../../domain/asset.js';
import { DAY } from '../../../domain/time.js';
import type { KeeperEvent } from '../../../domain/event.js';
import type { ExecutionContext, ExecutionResult, PlanContext, PlanEntry, PlanExecutor } from '../../../executor/executor.js';
import { KeeperError } from '../../../errors.js';
import type { ProposalJournal, ProposalRecord } from '../../../journal/proposal-journal.js';
import { markOf } from '../../../market/valuation.js';
import { HALT_EVENT, haltState } from '../../execution-pipeline.js';
import { proposalFailpoint } from '../../failpoints.js';
import type { Portfolio } from '../../../domain/portfolio.js';
import { evmChainKey } from '../evm-adapter.js';
import { fairRatesFor } from '../evm-executor.js';
import { buildSafeBatch, expectedChanges, grossFlows, type BatchDeps } from './safe-batch.js';
import { checkSafeTx, verifyMultiSendCallOnly } from './safe-guard.js';
import { followProposals, type FollowReport } from './safe-lifecycle.js';
import { actionSummary, descriptionText, originText, type ProposalDescription } from './proposal-text.js';
import { proposalBody, type ProposalBody, type SafeTxServiceClient } from './safe-service.js';
import { simulateAsSafe } from './safe-simulate.js';
import { getTransactionHashArgs, multiSendCalldata, OPERATION, plainSafeTx, rejectionSafeTx, safeAbi, safeTxHash, safeTxTypedData, type InnerCall, type SafeTx } from './safe-tx.js';
import { builderFile, writeBuilderFile } from './tx-builder-file.js';
import { replacementReason } from './replacement.js';

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

  constructor(o: SafeProposerOptions) {
    if (o.mode === 'live' && !o.proposer) throw new KeeperError('proposing to a Safe needs the proposer key');
    if (getAddress(o.batch.buildContext.vault) !== getAddress(o.safe)) throw new KeeperError(`the builders' vault ${o.batch.buildContext.vault} is not the Safe ${o.safe}`);
    if (!o.service && !o.builderDir) throw new KeeperError('a Safe proposal needs a delivery: a transaction service, a builder-file directory, or both');
    this.#o = o;
    this.mode = o.mode === 'live' ? 'propose' : 'dry-run';
    this.chain = evmChainKey(o.chainId);
    this.#clock = o.clock ?? Date.now;
    this.#halt = haltState(o.journal, o.vaultName);
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
      redeliver: (p) => (o.mode === 'live' ? this.#deliver(p) : Promise.reject(new Error('dry-run delivers nothing'))),
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
        else await this.#proposeCancel(pending, why, ctx, now);
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

    const sub = await this.#submit({ tx, hash, description, decimals: (a: AssetId) => u.registryAssets.get(a)?.decimals ?? u.baseDecimals, calls, extra: { grossFlows: Object.fromEntries([...grossFlows(plan)].map(([k, v]) => [k, v.toString()])), actionIds: entries.map((e) => e.actionId) }, valueAtRisk: built.valueAtRisk, seen, ctx, replaces, onSigned: (id) => {
      for (const e of entries) e.onStatus('signed', { safeTxHash: hash, nonce: seen.safeNonce.toString(), proposer: o.proposer?.address, proposalId: id });
    } });
    if (!sub.ok) return fail(sub.reason, { stage: 'sign' });
    return result(sub.detail);
  }

  /**
   * Sign, journal the intent (replacing `replaces` in the same commit), deliver, record 'proposed'. A
   * failed delivery leaves the intent for the next cycle to deliver again.
   */
  async #submit(p: {
    tx: SafeTx;
    hash: Hex;
    description: ProposalDescription;
    decimals: (a: AssetId) => number;
    calls: readonly InnerCall[];
    extra: Record<string, unknown>;
    valueAtRisk: bigint;
    seen: FollowReport;
    ctx: Pick<PlanContext, 'cycleId'>;
    replaces: { record: ProposalRecord; kind: 'stale' | 'drift' | 'breaker'; reason: string } | undefined;
    onSigned?: (id: number) => void;
  }): Promise<{ ok: true; detail: Record<string, unknown> } | { ok: false; reason: string }> {
    const o = this.#o;
    const { tx, hash, description, seen, ctx, replaces } = p;
    const signer = o.proposer as LocalAccount;
    const typed = safeTxTypedData(o.chainId, this.safe, tx);
    const signature = await signer.signTypedData!(typed);
    const recovered = await recoverTypedDataAddress({ ...typed, signature });
    if (getAddress(recovered) !== getAddress(signer.address)) return { ok: false, reason: `the proposer's signature recovers to ${recovered}, not ${signer.address}` };
    const body = proposalBody(tx, { safeTxHash: hash, sender: signer.address, signature, origin: originText(description, p.decimals, o.originMaxLength) });
    const id = o.proposals.recordIntent(
      {
        vault: o.vaultName,
        cycleId: ctx.cycleId,
        multisig: 'safe',
        chain: this.chain,
        account: this.safe,
        nonce: seen.safeNonce,
        hash,
        proposer: getAddress(signer.address),
        payload: { body, calls: p.calls.map((c) => ({ to: c.to, value: c.value.toString(), data: c.data })), expectedChanges: description.expectedChanges, ...p.extra, text: descriptionText(description, p.decimals) },
        description: description as unknown as Record<string, unknown>,
        valueAtRisk: p.valueAtRisk,
        observedBlock: seen.block,
        createdAt: this.#clock(),
      },
      replaces ? { id: replaces.record.id, status: replaces.kind === 'stale' ? 'stale' : 'replaced', detail: { reason: replaces.reason, kind: replaces.kind, replacedBy: hash } } : undefined,
    );
    p.onSigned?.(id);
    if (replaces) o.journal.recordEvent({ cycleId: ctx.cycleId, at: this.#clock(), kind: 'proposal-replaced', severity: 'warn', message: `proposal ${replaces.record.hash} at Safe nonce ${seen.safeNonce} replaced by ${hash}: ${replaces.reason}`, data: { replaced: replaces.record.hash, by: hash, kind: replaces.kind } });
    proposalFailpoint('after-proposal-intent');
    let delivered: Record<string, unknown>;
    try {
      delivered = await this.#deliver(o.proposals.proposal(id) as ProposalRecord);
    } catch (e) {
      o.journal.recordEvent({ cycleId: ctx.cycleId, at: this.#clock(), kind: 'proposal-delivery-failed', severity: 'warn', message: `proposal ${hash} is journaled but its delivery failed (retried next cycle): ${(e as Error).message}`, data: { safeTxHash: hash } });
      return { ok: true, detail: { reason: `proposal ${hash} journaled at Safe nonce ${seen.safeNonce}; delivery failed and is retried next cycle: ${(e as Error).message}`, proposal: { id, safeTxHash: hash, nonce: seen.safeNonce.toString() } } };
    }
    proposalFailpoint('after-proposal-delivered');
    o.proposals.recordStatus(id, 'proposed', this.#clock(), delivered);
    o.log?.info({ safeTxHash: hash, nonce: seen.safeNonce.toString(), ...delivered }, 'proposed to the Safe');
    return { ok: true, detail: { reason: `proposed to the Safe ${this.safe} as ${hash} (nonce ${seen.safeNonce}); its signers execute it`, proposal: { id, safeTxHash: hash, nonce: seen.safeNonce.toString(), ...delivered } } };
  }

  /**
   * Withdraws a pending proposal the keeper no longer stands behind (a breaker fired, the market moved)
   * when there is nothing to propose instead: the Safe's cancel — a 0-value call to itself with no data —
   * at the same nonce. Whichever of the two the signers execute takes the nonce; the cancel moves nothing.
   */
  async #proposeCancel(pending: ProposalRecord, why: { kind: 'stale' | 'drift' | 'breaker'; reason: string }, ctx: PlanContext, seen: FollowReport): Promise<void> {
    const o = this.#o;
    const tx = rejectionSafeTx(this.safe, pending.nonce);
    const guard = checkSafeTx(tx, { multiSendCallOnly: o.multiSendCallOnly, allowed: [{ to: this.safe, value: 0n, data: '0x' }] });
    const hash = safeTxHash(o.chainId, this.safe, tx);
    const theirs = await o.client.readContract({ address: this.safe, abi: safeAbi, functionName: 'getTransactionHash', args: getTransactionHashArgs(tx), blockNumber: seen.block });
    if (!guard.allowed || theirs.toLowerCase() !== hash.toLowerCase()) {
      o.journal.recordEvent({ cycleId: ctx.cycleId, at: this.#clock(), kind: 'proposal-withdraw-failed', severity: 'critical', message: `could not withdraw proposal ${pending.hash}: ${guard.allowed ? 'hash mismatch' : guard.reason}`, data: { safeTxHash: pending.hash } });
      return;
    }
    const description: ProposalDescription = {
      keeper: 'restake-keeper',
      vault: o.vaultName,
      cycleId: ctx.cycleId,
      decisionTime: new Date(ctx.now).toISOString(),
      rationale: [`withdraws proposal ${pending.hash}: ${why.reason}; executing this 0-value transaction at nonce ${pending.nonce} cancels it`, ...ctx.rationale],
      actions: [],
      expectedChanges: {},
      simulation: { ok: true, gas: '0', via: 'not simulated: a 0-value call of the Safe to itself' },
      marks: {},
      replaces: { safeTxHash: pending.hash, reason: why.reason },
    };
    const sub = await this.#submit({ tx, hash, description, decimals: () => 18, calls: [{ to: this.safe, value: 0n, data: '0x', operation: OPERATION.call }], extra: { cancel: true, grossFlows: {} }, valueAtRisk: 0n, seen: { ...seen, safeNonce: pending.nonce }, ctx, replaces: { record: pending, kind: why.kind, reason: why.reason } });
    if (!sub.ok) o.journal.recordEvent({ cycleId: ctx.cycleId, at: this.#clock(), kind: 'proposal-withdraw-failed', severity: 'critical', message: `could not withdraw proposal ${pending.hash}: ${sub.reason}`, data: { safeTxHash: pending.hash } });
  }

  /** Delivers a journaled proposal exactly as journaled: the service POST and/or the builder file. */
  async #deliver(p: ProposalRecord): Promise<Record<string, unknown>> {
    const o = this.#o;
    const payload = p.payload as { body: ProposalBody; calls: Array<{ to: Address; value: string; data: Hex }>; text: string };
    const out: Record<string, unknown> = {};
    if (o.builderDir) {
      const f = builderFile({ chainId: o.chainId, safe: this.safe, proposer: getAddress(p.proposer), createdAt: p.createdAt, name: `restake-keeper ${o.vaultName} nonce ${p.nonce}`, description: payload.text, calls: payload.calls.map((c) => ({ to: c.to, value: BigInt(c.value), data: c.data, operation: 0 })) });
      out.builderFile = writeBuilderFile(o.builderDir, f, { nonce: p.nonce, safeTxHash: p.hash as Hex });
    }
    if (o.service) {
      await o.service.propose(this.safe, payload.body);
      out.service = o.service.host;
    }
    return out;
  }
}

const erc20Abi = [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ name: '', type: 'uint256' }] }] as const;
