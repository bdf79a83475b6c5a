import type { TransactionRecord } from '../journal/journal-port.js';
import { isTxTerminal } from '../journal/transitions.js';
import { KeeperError } from '../errors.js';
import type { ExecutionPipeline, PipelineJournal } from './execution-pipeline.js';

/**
 * Startup reconciliation: before a live keeper does any new work, every transaction the journal has in
 * flight (signed or sent, not yet confirmed / failed / replaced / dropped) is reconciled against the chain:
 *
 * - looked up by hash: a receipt → confirmed or failed (after the configured confirmations); known to the
 *   node but pending → wait for it (replacing it with bumped fees if it stays stuck);
 * - unknown, and its nonce now used by another of our transactions at that nonce → that one wins, this one
 *   is 'replaced'; used by a transaction the keeper never journaled → 'dropped', and reported;
 * - unknown and its nonce still free → the same signed bytes are rebroadcast (never re-signed).
 *
 * Then the open actions of interrupted cycles that have transactions are resolved from them: all of an
 * action's transactions confirmed → the action is confirmed (it happened, it must not be abandoned or
 * redone); one reverted, was cancelled or dropped → failed; some confirmed and the rest never signed →
 * failed as partial, with an event. Actions with no transaction journaled sent nothing (the row is written
 * before broadcasting) and are left for recoverUnfinished to abandon.
 */

export interface InFlightResolution {
  readonly status: 'confirmed' | 'failed';
  readonly detail: Record<string, unknown>;
}

export interface InFlightReport {
  /** Final status per open action that had transactions (action id → status). */
  readonly resolutions: ReadonlyMap<number, InFlightResolution>;
  /** One line per slot reconciled, for the log. */
  readonly lines: readonly string[];
  /** In-flight transactions found at start. */
  readonly inFlight: number;
}

export async function reconcileInFlight(pipeline: ExecutionPipeline, journal: PipelineJournal, at: number): Promise<InFlightReport> {
  const adapter = pipeline.adapter;
  const lines: string[] = [];
  const foreign = journal.openTransactions().filter((t) => t.chain !== adapter.chain || t.account !== adapter.account);
  if (foreign.length > 0) {
    throw new KeeperError(
      `the journal has ${foreign.length} transaction(s) in flight on another chain or account (${[...new Set(foreign.map((t) => `${t.chain} ${t.account}`))].join(', ')}); ` +
        `this keeper (${adapter.chain} ${adapter.account}) cannot reconcile them: start it with that chain and key`,
      { transactions: foreign.map((t) => t.id) },
    );
  }

  const open = journal.openTransactions({ chain: adapter.chain, account: adapter.account });
  const slots = new Map<string, TransactionRecord>();
  for (const t of open) {
    const key = t.nonce !== null ? `nonce:${t.nonce}` : `step:${t.actionId}:${t.seq}`;
    if (!slots.has(key)) slots.set(key, t);
  }
  for (const t of slots.values()) {
    const cycleId = journal.actionInfo(t.actionId)?.cycleId ?? null;
    const out = await pipeline.settleSlot(t, cycleId);
    lines.push(
      out.kind === 'mined'
        ? `in-flight transaction at nonce ${t.nonce} (action ${t.actionId}, ${t.description}): ${out.winner.txHash} ${out.lookup.success ? 'confirmed' : 'reverted'} in block ${out.lookup.block}`
        : `in-flight transaction at nonce ${t.nonce} (action ${t.actionId}, ${t.description}): dropped — ${out.reason}`,
    );
  }

  // The account's sequence: anything used since the journal's last transaction was used outside the keeper.
  const chainNext = await adapter.nextSequence();
  const high = journal.highestNonce(adapter.chain, adapter.account);
  if (chainNext !== undefined && high !== undefined && chainNext > high + 1) {
    const msg = `${adapter.account} has used nonces ${high + 1}…${chainNext - 1} outside the keeper since its last journaled transaction (detected at start; not fought)`;
    journal.recordEvent({ at, kind: 'external-nonce-use', severity: 'warn', message: msg, data: { chain: adapter.chain, journalNext: high + 1, chainNext } });
    lines.push(msg);
  }
  pipeline.adoptNonce(chainNext);

  const resolutions = new Map<number, InFlightResolution>();
  for (const c of journal.unfinishedCycles()) {
    for (const a of c.openActions) {
      const txs = journal.transactionsOfAction(a.actionId);
      if (txs.length === 0 || txs.some((t) => !isTxTerminal(t.status))) continue;
      const r = resolveAction(journal, a.actionId, txs);
      resolutions.set(a.actionId, r);
      if (r.detail.partial === true) {
        journal.recordEvent({ cycleId: c.cycleId, at, kind: 'action-partial', severity: 'warn', message: `action ${a.actionId}: ${String(r.detail.reason)}`, data: r.detail });
      }
    }
  }
  return { resolutions, lines, inFlight: open.length };
}

/** The outcome of an action from its (all terminal) transactions. */
export function resolveAction(journal: PipelineJournal, actionId: number, txs: readonly TransactionRecord[]): InFlightResolution {
  const built = journal.actionStatusHistory(actionId).find((h) => h.status === 'built');
  const txCount = typeof built?.detail?.txCount === 'number' ? built.detail.txCount : undefined;
  const seqs = [...new Set(txs.map((t) => t.seq))].sort((x, y) => x - y);
  const done: Array<Record<string, unknown>> = [];
  let fee = 0n;
  const base = { recovered: true, txCount, txs: done };
  for (const seq of seqs) {
    const rows = txs.filter((t) => t.seq === seq);
    const win = rows.find((t) => t.status === 'confirmed' || t.status === 'failed');
    if (!win) return { status: 'failed', detail: { ...base, reason: `transaction ${seq} was dropped: its nonce was used outside the keeper`, hashes: rows.map((t) => t.txHash) } };
    const mined = journal.transactionHistory(win.id).at(-1)?.detail ?? {};
    done.push({ seq, hash: win.txHash, nonce: win.nonce, kind: win.kind, status: win.status, block: mined.block, fee: mined.fee });
    if (typeof mined.fee === 'string') fee += BigInt(mined.fee);
    if (win.status === 'failed') return { status: 'failed', detail: { ...base, reason: `transaction ${seq} reverted on chain (${win.txHash})`, fee: fee.toString() } };
    if (win.kind === 'cancel') return { status: 'failed', detail: { ...base, reason: `transaction ${seq} was cancelled (${win.txHash})`, fee: fee.toString() } };
  }
  if (txCount !== undefined && done.length === txCount) return { status: 'confirmed', detail: { ...base, fee: fee.toString() } };
  return {
    status: 'failed',
    detail: {
      ...base,
      partial: true,
      fee: fee.toString(),
      reason: `interrupted after ${done.length} of ${txCount ?? 'an unknown number of'} transactions; the rest were never signed and are not resumed`,
    },
  };
}
