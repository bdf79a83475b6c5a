import type { Logger } from 'pino';
import type { ActionStatus, PlannedAction } from '../domain/action.js';
import { DAY } from '../domain/time.js';
import type { ExecutionContext } from '../executor/executor.js';
import { KeeperError } from '../errors.js';
import type { JournalPort, TransactionJournal, TransactionRecord } from '../journal/journal-port.js';
import { isTxTerminal } from '../journal/transitions.js';
import type { BatchSimulation, BuildInputs, ChainAdapter, JournaledTx, Simulation, SignedTx, TxLookup, UnsignedTx } from './chain-adapter.js';
import { failpoint } from './failpoints.js';

/**
 * The chain-agnostic execution state machine. One action goes
 *
 *   intent (the keeper) → built → simulated → signed → sent → confirmed | failed | skipped
 *
 * and each of its transactions goes built → simulated → signed → sent → confirmed | failed | replaced | dropped.
 *
 * The rules that make it crash-safe:
 * 1. Every transition is journaled before the next step is taken. Nothing irreversible happens before
 *    the transaction row exists: the row is written at signing, with the signed bytes and the hash,
 *    before the bytes are broadcast. A crash before that point left nothing on chain (the action is
 *    abandoned on restart); a crash after it leaves a row that recovery looks up by hash.
 * 2. A step is signed once. A restarted keeper rebroadcasts the same bytes (same hash, same nonce) or
 *    finds them mined; it never signs the step again with a new nonce. The journal enforces it: one
 *    'action' row per (action, seq), and a nonce is never reused by another step.
 * 3. A stuck transaction is replaced at the same nonce with bumped fees, a new row per replacement, all
 *    hashes journaled; whichever mines wins and the others are recorded 'replaced'.
 * 4. The sequence number (nonce) is read from the chain and checked against what the keeper expects
 *    before each signature; a nonce used outside the keeper is reported and the vault halted, never fought.
 *
 * Only the adapter differs between chains.
 */

export interface PipelineOptions {
  /** Blocks on top of the including one (1 = mined) before a transaction counts as confirmed. */
  readonly confirmations: number;
  readonly pollIntervalMs: number;
  /** A transaction still pending this long after it (or its last replacement) was sent is replaced. */
  readonly replaceAfterMs: number;
  readonly maxReplacements: number;
  /** Give up waiting (leave it in flight for the next start to reconcile) after this long. */
  readonly maxWaitMs: number;
}

export type PipelineJournal = TransactionJournal & Pick<JournalPort, 'recordEvent' | 'unfinishedCycles' | 'recordActionStatus'>;

/** The journal ids an executor needs; the keeper passes them along with the ExecutionContext. */
export interface JournalRefs {
  readonly actionId: number;
  readonly cycleId: number | null;
}

export type JournaledExecutionContext = ExecutionContext & JournalRefs;

export function journalRefs(ctx: ExecutionContext): JournalRefs | undefined {
  const c = ctx as Partial<JournalRefs>;
  return typeof c.actionId === 'number' ? { actionId: c.actionId, cycleId: typeof c.cycleId === 'number' ? c.cycleId : null } : undefined;
}

/** Event kinds that put a vault on hold until a person resumes it (see resumeVault). */
export const HALT_EVENT = 'vault-halted';
export const RESUME_EVENT = 'vault-resumed';

/** Lifts a halt recorded by an executor. The next keeper start (or `haltState`) sees the vault resumed. */
export function resumeVault(j: Pick<JournalPort, 'recordEvent'>, at: number, note: string, runId?: number): void {
  j.recordEvent({ at, kind: RESUME_EVENT, severity: 'warn', message: `vault resumed by an operator: ${note}`, ...(runId === undefined ? {} : { runId }) });
}

/** The halt in force for a vault (the latest halt event not followed by a resume), if any. */
export function haltState(j: Pick<TransactionJournal, 'latestEvent'>, vault: string): string | undefined {
  const e = j.latestEvent(vault, [HALT_EVENT, RESUME_EVENT]);
  return e?.kind === HALT_EVENT ? e.message : undefined;
}

export class InFlightError extends KeeperError {}

export interface SettledTx {
  readonly transactionId: number;
  readonly seq: number;
  readonly hash: string;
  readonly nonce: number | null;
  readonly kind: TransactionRecord['kind'];
  readonly success: boolean;
  readonly fee: bigint;
  readonly block: bigint;
}

export type SlotOutcome =
  | { readonly kind: 'mined'; readonly winner: TransactionRecord; readonly lookup: Extract<TxLookup, { state: 'mined' }> }
  | { readonly kind: 'dropped'; readonly reason: string };

export type PipelineOutcome =
  | { readonly status: 'confirmed'; readonly txs: readonly SettledTx[]; readonly detail: Record<string, unknown> }
  | { readonly status: 'failed'; readonly reason: string; readonly txs: readonly SettledTx[]; readonly detail: Record<string, unknown> }
  | { readonly status: 'skipped'; readonly detail: Record<string, unknown> };

export interface HaltRequest {
  readonly cause: string;
  readonly message: string;
  readonly data: Record<string, unknown>;
  readonly cycleId: number | null;
}

export interface PipelineDeps<P> {
  readonly journal: PipelineJournal;
  readonly adapter: ChainAdapter<P>;
  readonly options: PipelineOptions;
  /** Wall clock for journal times and timeouts. */
  readonly clock?: (() => number) | undefined;
  readonly log?: Logger | undefined;
  /** Called when the pipeline must stop all sending (external nonce use). */
  readonly halt: (h: HaltRequest) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function maxOf(values: ReadonlyArray<bigint | null>): bigint {
  return values.reduce<bigint>((m, v) => (v !== null && v > m ? v : m), 0n);
}

function asJournaled(t: TransactionRecord): JournaledTx {
  return { to: t.to, calldata: t.calldata, value: t.value, nonce: t.nonce, txHash: t.txHash, maxFee: t.maxFee, maxPriorityFee: t.maxPriorityFee, meta: t.meta };
}

function minedDetail(lk: Extract<TxLookup, { state: 'mined' }>): Record<string, unknown> {
  return { block: lk.block.toString(), fee: lk.fee.toString(), confirmations: lk.confirmations, ...lk.detail };
}

export class ExecutionPipeline<P = unknown> {
  readonly #d: PipelineDeps<P>;
  readonly #clock: () => number;
  /** The nonce the keeper expects to sign next (learned from the journal, the chain at startup, and its own sends). */
  #nextNonce: number | undefined;
  #busy = false;

  constructor(deps: PipelineDeps<P>) {
    this.#d = deps;
    this.#clock = deps.clock ?? Date.now;
  }

  get adapter(): ChainAdapter<P> {
    return this.#d.adapter;
  }

  get expectedNonce(): number | undefined {
    return this.#nextNonce ?? this.#journalNext();
  }

  #journalNext(): number | undefined {
    const { adapter, journal } = this.#d;
    const n = journal.highestNonce(adapter.chain, adapter.account);
    return n === undefined ? undefined : n + 1;
  }

  /** Adopt the chain's next nonce as the expectation (after startup reconciliation has reported any gap). */
  adoptNonce(n: number | undefined): void {
    this.#nextNonce = n;
  }

  #event(cycleId: number | null, kind: string, severity: 'info' | 'warn' | 'critical', message: string, data: Record<string, unknown>): void {
    this.#d.journal.recordEvent({ cycleId, at: this.#clock(), kind, severity, message, data });
  }

  /** Record 'sent' unless someone (the settle loop, a cancel) already did. */
  #markSent(txId: number, detail: Record<string, unknown>): void {
    const t = this.#d.journal.transaction(txId);
    if (t && t.status === 'signed') this.#d.journal.recordTransactionStatus(txId, 'sent', this.#clock(), detail);
  }

  /** Build and simulate only: nothing is signed, nothing is sent, nothing is journaled but action statuses. */
  async dryRun(action: PlannedAction, onStatus: ExecutionContext['onStatus'], fairRates?: BuildInputs['fairRates']): Promise<PipelineOutcome> {
    const { adapter } = this.#d;
    const built = await adapter.build(action, { spentToday: 0n, now: this.#clock(), fairRates });
    if (!built.ok) return { status: 'failed', reason: built.reason, txs: [], detail: { stage: 'build', dryRun: true, ...built.detail } };
    onStatus('built', { chain: adapter.chain, account: adapter.account, txCount: built.txs.length, txs: built.txs.map(txSummary) });
    const batch = await this.#simulateInSequence(built.txs);
    let sims: Array<Record<string, unknown>>;
    let note: string | undefined;
    if (batch) {
      sims = batch.results.map((sim, i) => simSummary(built.txs[i]!, sim));
      if (batch.ok !== true) note = `transaction ${batch.index + 1} of ${built.txs.length} would fail after the earlier ones: later ones were not simulated`;
    } else {
      sims = [];
      for (const tx of built.txs) sims.push(simSummary(tx, await adapter.simulate(tx)));
      if (built.txs.length > 1) note = 'the node cannot simulate a sequence: each transaction was simulated against current state, without the earlier ones applied';
    }
    const ok = sims.length === built.txs.length && sims.every((s) => s.ok === true);
    const firstFailure = sims.find((s) => s.ok !== true);
    onStatus('simulated', { ok, inSequence: batch !== undefined, simulations: sims });
    return {
      status: 'skipped',
      detail: {
        reason: 'dry-run: built and simulated, not signed or sent',
        dryRun: true,
        simulation: { ok, inSequence: batch !== undefined, ...(firstFailure ? { reason: firstFailure.reason, seq: firstFailure.seq } : {}) },
        simulations: sims,
        ...(note ? { note } : {}),
      },
    };
  }

  /** The action's transactions simulated in order on one state, or undefined when the adapter or node cannot. */
  async #simulateInSequence(txs: readonly UnsignedTx<P>[]): Promise<Extract<BatchSimulation, { results: unknown }> | undefined> {
    const { adapter } = this.#d;
    if (!adapter.simulateBatch) return undefined;
    const r = await adapter.simulateBatch(txs);
    if (r.ok === 'unsupported') {
      this.#d.log?.debug({ reason: r.reason }, 'sequence simulation unsupported; simulating transactions one by one');
      return undefined;
    }
    return r;
  }

  /**
   * Carry one action through the chain. The keeper has journaled 'intent'. Returns its outcome; throws
   * InFlightError (leaving the journal in flight, for the next start to reconcile) if a transaction
   * neither mines nor drops within maxWait.
   */
  async execute(action: PlannedAction, refs: JournalRefs, onStatus: ExecutionContext['onStatus'], fairRates?: BuildInputs['fairRates']): Promise<PipelineOutcome> {
    if (this.#busy) throw new KeeperError('the execution pipeline is already executing an action');
    this.#busy = true;
    try {
      return await this.#execute(action, refs, onStatus, fairRates);
    } finally {
      this.#busy = false;
    }
  }

  async #execute(action: PlannedAction, refs: JournalRefs, onStatus: ExecutionContext['onStatus'], fairRates: BuildInputs['fairRates']): Promise<PipelineOutcome> {
    const { adapter, journal } = this.#d;
    failpoint('after-intent');
    if (!adapter.canSign) throw new KeeperError(`${adapter.chain}: no signing key loaded; live execution needs one`);
    const now = this.#clock();
    const dayStart = now - (now % DAY);
    const spentToday = journal.spentBetween(adapter.chain, adapter.account, dayStart, dayStart + DAY);
    const built = await adapter.build(action, { spentToday, now, fairRates, actionId: refs.actionId });
    if (!built.ok) return { status: 'failed', reason: built.reason, txs: [], detail: { stage: 'build', ...built.detail } };
    const builtAt = this.#clock();
    onStatus('built', { chain: adapter.chain, account: adapter.account, txCount: built.txs.length, txs: built.txs.map(txSummary) });
    failpoint('after-built');

    const settled: SettledTx[] = [];
    const fail = (reason: string, detail: Record<string, unknown>): PipelineOutcome => ({
      status: 'failed',
      reason,
      txs: settled,
      detail: { ...detail, ...(settled.length ? { partial: true, confirmedTxs: settled.length, of: built.txs.length } : {}) },
    });

    // Before the first signature, the whole batch in sequence: an action whose later step would revert
    // (a swap below its minimum after the approval) sends nothing, rather than stopping half done.
    if (built.txs.length > 1) {
      const batch = await this.#simulateInSequence(built.txs);
      if (batch && batch.ok !== true) {
        const tx = built.txs[batch.index]!;
        return fail(`simulation of the whole batch: transaction ${batch.index + 1} of ${built.txs.length} (${tx.description}) would revert after the earlier ones: ${batch.reason}`, {
          stage: 'simulate',
          inSequence: true,
          seq: tx.seq,
          description: tx.description,
          simulations: batch.results.map((sim, i) => simSummary(built.txs[i]!, sim)),
        });
      }
    }

    for (const tx of built.txs) {
      const first = tx.seq === built.txs[0]?.seq;
      const sim = await adapter.simulate(tx);
      const simAt = this.#clock();
      if (!sim.ok) return fail(`simulation reverted: ${sim.reason}`, { stage: 'simulate', seq: tx.seq, description: tx.description, ...sim.detail });
      if (first) onStatus('simulated', { seq: tx.seq, ...sim.detail });

      const expected = this.expectedNonce;
      const prep = await adapter.prepare(tx, expected);
      if (!prep.ok) {
        if (prep.kind === 'external-nonce-use' || prep.kind === 'sequence-gap') {
          this.#event(refs.cycleId, prep.kind, 'critical', prep.message, { ...prep.detail, actionId: refs.actionId, seq: tx.seq });
          this.#d.halt({ cause: prep.kind, message: prep.message, data: prep.detail, cycleId: refs.cycleId });
        }
        return fail(prep.message, { stage: 'prepare', kind: prep.kind, seq: tx.seq, ...prep.detail });
      }
      const signed = await adapter.sign(tx, prep, sim);
      const txId = journal.recordTransaction({
        actionId: refs.actionId,
        chain: adapter.chain,
        account: adapter.account,
        seq: tx.seq,
        kind: 'action',
        description: tx.description,
        to: tx.to,
        calldata: tx.calldata,
        value: tx.value,
        valueAtRisk: tx.valueAtRisk,
        ...signedColumns(signed),
        createdAt: this.#clock(),
        history: [
          { status: 'built', at: builtAt, ...(tx.allowedBy ? { detail: { allowedBy: tx.allowedBy } } : {}) },
          { status: 'simulated', at: simAt, detail: sim.detail },
          { status: 'signed', at: this.#clock(), detail: { hash: signed.hash, nonce: signed.nonce, ...prep.detail } },
        ],
      });
      if (first) onStatus('signed', { hash: signed.hash, nonce: signed.nonce, transactionId: txId });
      failpoint('after-signed');

      const sent = await adapter.broadcast(signed.raw);
      if (!sent.accepted) {
        // Refused — unless it made it anyway (an earlier identical broadcast, a node that answered late).
        const lk = await adapter.lookup(signed.hash);
        if (lk.state === 'unknown') {
          const consumed = await adapter.slotConsumed({ nonce: signed.nonce, meta: signed.meta });
          journal.recordTransactionStatus(txId, 'dropped', this.#clock(), { reason: sent.reason, slotConsumed: consumed });
          if (signed.nonce !== null && !consumed) this.#nextNonce = signed.nonce;
          if (consumed && !adapter.resignExpired) {
            const message = `nonce ${signed.nonce} of ${adapter.account} was used by a transaction the keeper did not send`;
            this.#event(refs.cycleId, 'external-nonce-use', 'critical', message, { nonce: signed.nonce, actionId: refs.actionId, hash: signed.hash });
            this.#d.halt({ cause: 'external-nonce-use', message, data: { nonce: signed.nonce }, cycleId: refs.cycleId });
          }
          return fail(`broadcast refused: ${sent.reason}`, { stage: 'send', seq: tx.seq, hash: signed.hash });
        }
      }
      failpoint('after-sent');
      this.#markSent(txId, { hash: signed.hash });
      if (first) onStatus('sent', { hash: signed.hash, nonce: signed.nonce });
      failpoint('before-confirm');

      const out = await this.settleSlot(journal.transaction(txId) as TransactionRecord, refs.cycleId);
      if (signed.nonce !== null) this.#nextNonce = signed.nonce + 1;
      if (out.kind === 'dropped') return fail(out.reason, { stage: 'confirm', seq: tx.seq, hash: signed.hash });
      const w = out.winner;
      const s: SettledTx = { transactionId: w.id, seq: w.seq, hash: w.txHash, nonce: w.nonce, kind: w.kind, success: out.lookup.success, fee: out.lookup.fee, block: out.lookup.block };
      settled.push(s);
      if (w.kind === 'cancel') return fail('cancelled: the transaction was replaced by a cancel (0-value self-transfer)', { stage: 'confirm', seq: tx.seq, hash: w.txHash });
      if (!out.lookup.success) return fail(`reverted on chain (${w.txHash})`, { stage: 'confirm', seq: tx.seq, hash: w.txHash, ...minedDetail(out.lookup) });
    }
    return {
      status: 'confirmed',
      txs: settled,
      detail: { txs: settled.map((s) => ({ seq: s.seq, hash: s.hash, nonce: s.nonce, kind: s.kind, block: s.block.toString(), fee: s.fee.toString() })) },
    };
  }

  /** Every journaled transaction competing for the same slot as `t` (same nonce; or the same step when nonce-less). */
  #slot(t: TransactionRecord): TransactionRecord[] {
    const { journal } = this.#d;
    if (t.nonce !== null) return journal.transactionsAtNonce(t.chain, t.account, t.nonce);
    return journal.transactionsOfAction(t.actionId).filter((x) => x.seq === t.seq);
  }

  #openAt(t: TransactionRecord): TransactionRecord[] {
    return this.#slot(t).filter((x) => !isTxTerminal(x.status));
  }

  /**
   * Wait until one transaction of `t`'s slot is mined with enough confirmations (or the slot is used by
   * someone else), replacing it with bumped fees while it is stuck. Used both right after sending and by
   * startup reconciliation. Journals the outcome of every candidate.
   */
  async settleSlot(t: TransactionRecord, cycleId: number | null): Promise<SlotOutcome> {
    const { adapter, journal, options: o } = this.#d;
    const start = this.#clock();
    const initial = this.#slot(t).filter((x) => !isTxTerminal(x.status));
    let lastSendAt = initial.reduce((m, x) => (x.status === 'sent' ? Math.max(m, x.statusAt) : m), 0) || start;
    let replacements = this.#slot(t).filter((x) => x.kind === 'replacement').length;
    let cappedReported = false;
    let refusedReported = false;
    for (;;) {
      const all = this.#slot(t);
      const done = all.find((x) => x.status === 'confirmed' || x.status === 'failed');
      const open = all.filter((x) => !isTxTerminal(x.status));
      if (done) {
        for (const x of open) journal.recordTransactionStatus(x.id, 'replaced', this.#clock(), { by: done.txHash });
        const lk = await adapter.lookup(done.txHash);
        if (lk.state === 'mined') return { kind: 'mined', winner: done, lookup: lk };
      }
      if (open.length === 0) {
        return { kind: 'dropped', reason: `no transaction of nonce ${t.nonce} is in flight (${all.map((x) => `${x.txHash}: ${x.status}`).join(', ')})` };
      }

      let mined: { x: TransactionRecord; lk: Extract<TxLookup, { state: 'mined' }> } | undefined;
      let pending = false;
      /** Stuck: pending too long, or the node refuses to take the journaled bytes back (e.g. their fee cap is now below the base fee). */
      let stuck = false;
      for (const x of [...open].reverse()) {
        const lk = await adapter.lookup(x.txHash);
        if (lk.state === 'mined') {
          mined = { x, lk };
          break;
        }
        if (lk.state === 'pending') {
          pending = true;
          if (x.status === 'signed') this.#markSent(x.id, { hash: x.txHash, found: 'pending' });
        }
      }

      if (mined) {
        if (mined.lk.confirmations >= o.confirmations) {
          const { x, lk } = mined;
          this.#markSent(x.id, { hash: x.txHash, found: 'mined' });
          journal.recordTransactionStatus(x.id, lk.success ? 'confirmed' : 'failed', this.#clock(), minedDetail(lk));
          // Re-read the slot: a cancel or replacement may have been journaled while we were looking.
          for (const other of this.#openAt(t)) journal.recordTransactionStatus(other.id, 'replaced', this.#clock(), { by: x.txHash });
          return { kind: 'mined', winner: journal.transaction(x.id) as TransactionRecord, lookup: lk };
        }
        // mined but not deep enough: wait; never replace a mined transaction
      } else if (!pending) {
        // Neither mined nor known to the node.
        if (await adapter.slotConsumed({ nonce: t.nonce, meta: t.meta })) {
          // The nonce is used. Look once more, at every candidate journaled by now (a cancel or replacement
          // may have been added, and mined, while we were looking), before calling it someone else's.
          const fresh = this.#openAt(t);
          let ours = false;
          for (const x of fresh) if ((await adapter.lookup(x.txHash)).state !== 'unknown') ours = true;
          if (!ours && adapter.resignExpired) {
            // Expiry model (Solana): the slot is the blockhash's validity. Expired AND absent from the
            // chain's history means none of these can ever land: only now may the step be signed again.
            const base = fresh.at(-1);
            const reason = `expired (${adapter.chain}: blockhash no longer valid) and absent from the chain's history`;
            for (const x of fresh) journal.recordTransactionStatus(x.id, 'dropped', this.#clock(), { reason });
            if (!base || replacements >= o.maxReplacements) return { kind: 'dropped', reason: `${reason}; ${replacements} re-signings already, limit ${o.maxReplacements}` };
            const r = await adapter.resignExpired(asJournaled(base));
            if (!r.ok) return { kind: 'dropped', reason: `${reason}; cannot re-sign: ${r.reason}` };
            replacements++;
            await this.#sendResigned(base, r.signed, 'replacement', `${t.description} (re-signed after expiry ${replacements})`, r, cycleId);
            lastSendAt = this.#clock();
            continue;
          }
          if (!ours) {
            const reason = `nonce ${t.nonce} of ${t.account} was used by a transaction the keeper did not send; its own transaction(s) can never be mined`;
            for (const x of this.#openAt(t)) journal.recordTransactionStatus(x.id, 'dropped', this.#clock(), { reason });
            this.#event(cycleId, 'external-nonce-use', 'critical', reason, { nonce: t.nonce, hashes: fresh.map((x) => x.txHash) });
            this.#d.halt({ cause: 'external-nonce-use', message: reason, data: { nonce: t.nonce }, cycleId });
            return { kind: 'dropped', reason };
          }
          continue;
        }
        // The slot is free and nobody has the transaction (never broadcast before a crash, or evicted):
        // rebroadcast the very same signed bytes — the newest candidate, which pays the most.
        const newest = this.#openAt(t).at(-1);
        if (!newest) continue;
        const b = await adapter.broadcast(newest.signedRaw);
        this.#d.log?.warn({ hash: newest.txHash, nonce: newest.nonce, accepted: b.accepted }, 'rebroadcast a journaled transaction the node did not know');
        if (b.accepted) {
          this.#markSent(newest.id, { hash: newest.txHash, rebroadcast: true });
          lastSendAt = this.#clock();
        } else {
          stuck = true;
          if (!refusedReported) {
            refusedReported = true;
            this.#event(cycleId, 'rebroadcast-refused', 'warn', `the node refuses the journaled transaction ${newest.txHash} (nonce ${newest.nonce}): ${b.reason}; it will be replaced at the same nonce after the replacement timeout`, { nonce: newest.nonce });
          }
        }
      } else {
        stuck = true;
      }
      if (!mined && stuck && adapter.replacement && t.nonce !== null && this.#clock() - lastSendAt >= o.replaceAfterMs) {
        if (replacements < o.maxReplacements) {
          const base = open[open.length - 1] as TransactionRecord;
          const highest = { maxFee: maxOf(open.map((x) => x.maxFee)), maxPriorityFee: maxOf(open.map((x) => x.maxPriorityFee)) };
          const r = await adapter.replacement(asJournaled(base), highest);
          if (r.ok) {
            replacements++;
            await this.#sendResigned(base, r.signed, 'replacement', `${t.description} (replacement ${replacements}, fees bumped)`, r, cycleId);
          } else if (!cappedReported) {
            cappedReported = true;
            this.#event(cycleId, 'replacement-capped', 'warn', `stuck transaction ${base.txHash} (nonce ${base.nonce}) cannot be replaced: ${r.reason}`, { nonce: base.nonce });
          }
        } else if (!cappedReported) {
          cappedReported = true;
          this.#event(cycleId, 'replacement-capped', 'warn', `nonce ${t.nonce} still pending after ${replacements} replacements`, { nonce: t.nonce });
        }
        lastSendAt = this.#clock();
      }

      if (this.#clock() - start > o.maxWaitMs) {
        throw new InFlightError(`nonce ${t.nonce} (${t.description}) neither mined nor dropped within ${o.maxWaitMs} ms; left in flight for the next start to reconcile`, {
          nonce: t.nonce,
          hashes: open.map((x) => x.txHash),
        });
      }
      await sleep(o.pollIntervalMs);
    }
  }

  /** Journal (signed) then broadcast (sent) a replacement or a cancel of `base`. */
  async #sendResigned(
    base: TransactionRecord,
    signed: SignedTx,
    kind: 'replacement' | 'cancel',
    description: string,
    r: { to: string | null; calldata: string; value: bigint },
    cycleId: number | null,
  ): Promise<TransactionRecord> {
    const { adapter, journal } = this.#d;
    const at = this.#clock();
    const id = journal.recordTransaction({
      actionId: base.actionId,
      chain: base.chain,
      account: base.account,
      seq: base.seq,
      kind,
      replacesId: base.id,
      description,
      to: r.to,
      calldata: r.calldata,
      value: r.value,
      valueAtRisk: kind === 'cancel' ? 0n : base.valueAtRisk,
      ...signedColumns(signed),
      createdAt: at,
      history: [
        { status: 'built', at, detail: { replaces: base.txHash } },
        { status: 'signed', at, detail: { hash: signed.hash, nonce: signed.nonce, maxFee: signed.maxFee, maxPriorityFee: signed.maxPriorityFee } },
      ],
    });
    const b = await adapter.broadcast(signed.raw);
    if (b.accepted) this.#markSent(id, { hash: signed.hash });
    else {
      const lk = await adapter.lookup(signed.hash);
      if (lk.state === 'unknown') {
        const cur = journal.transaction(id);
        if (cur && !isTxTerminal(cur.status)) journal.recordTransactionStatus(id, 'dropped', this.#clock(), { reason: b.reason });
      } else this.#markSent(id, { hash: signed.hash });
    }
    this.#event(cycleId, kind === 'cancel' ? 'transaction-cancel' : 'transaction-replaced', kind === 'cancel' ? 'warn' : 'info', `${kind} ${signed.hash} for ${base.txHash} at nonce ${base.nonce} (${b.accepted ? 'sent' : `refused: ${b.reason}`})`, {
      nonce: base.nonce,
      replaces: base.txHash,
      hash: signed.hash,
      maxFee: signed.maxFee,
      maxPriorityFee: signed.maxPriorityFee,
    });
    return journal.transaction(id) as TransactionRecord;
  }

  /**
   * Cancel whatever of ours is in flight at `nonce`: a no-op transaction at the same nonce with bumped
   * fees, journaled before it is sent. Whoever waits on the slot (execute, or reconciliation) sees the
   * cancel win or lose. Returns the cancel's journal record.
   */
  async cancel(nonce: number): Promise<TransactionRecord> {
    const { adapter, journal } = this.#d;
    if (!adapter.cancellation) throw new KeeperError(`${adapter.chain}: this chain adapter cannot cancel a transaction`);
    const open = journal.transactionsAtNonce(adapter.chain, adapter.account, nonce).filter((x) => !isTxTerminal(x.status));
    const base = open[open.length - 1];
    if (!base) throw new KeeperError(`nothing of ${adapter.account} is in flight at nonce ${nonce}`, { nonce });
    const highest = { maxFee: maxOf(open.map((x) => x.maxFee)), maxPriorityFee: maxOf(open.map((x) => x.maxPriorityFee)) };
    const r = await adapter.cancellation(nonce, highest);
    if (!r.ok) throw new KeeperError(`cannot cancel nonce ${nonce}: ${r.reason}`, { nonce });
    const cycleId = journal.actionInfo(base.actionId)?.cycleId ?? null;
    return this.#sendResigned(base, r.signed, 'cancel', r.description, r, cycleId);
  }
}

/** A signed transaction as the journal stores it (original, replacement or cancel alike). */
function signedColumns(signed: SignedTx) {
  return { nonce: signed.nonce, signedRaw: signed.raw, txHash: signed.hash, maxFee: signed.maxFee, maxPriorityFee: signed.maxPriorityFee, meta: signed.meta };
}

function simSummary(tx: UnsignedTx, sim: Simulation): Record<string, unknown> {
  return { seq: tx.seq, description: tx.description, ok: sim.ok, ...(sim.ok ? {} : { reason: sim.reason }), ...sim.detail };
}

function txSummary(t: UnsignedTx): Record<string, unknown> {
  return { seq: t.seq, description: t.description, to: t.to, value: t.value.toString(), valueAtRisk: t.valueAtRisk.toString(), calldata: t.calldata, ...(t.allowedBy ? { allowedBy: t.allowedBy } : {}) };
}

/** For the executors: the action-level status callback, typed. */
export type OnStatus = (status: ActionStatus, detail?: Record<string, unknown>) => void;
