import type Database from 'better-sqlite3';
import type { ActionStatus } from '../domain/action.js';
import { JournalError } from '../errors.js';
import { guard, optionalJsonText, parseJsonText, textToUint, uintToText } from './codec.js';
import { id } from './journal-statements.js';
import type { NewTransaction, StatusRow, TransactionRecord } from './journal-port.js';
import { hexText, prepareTransactionStatements, txRecord } from './transaction-rows.js';
import { allowedTxNext, canTxTransition, isTerminal, TX_STATUSES, type TxStatus } from './transitions.js';

/**
 * The chain-transaction half of the journal (TransactionJournal): signed transactions and their status
 * history. `tx` is the journal's IMMEDIATE transaction; `latestStatus` its action-status lookup (a
 * transaction needs an action past its intent).
 */
export class TransactionStore {
  readonly #s: ReturnType<typeof prepareTransactionStatements>;

  constructor(
    db: Database.Database,
    private readonly tx: <T>(fn: () => T) => T,
    private readonly latestStatus: (actionId: number) => ActionStatus | undefined,
  ) {
    this.#s = prepareTransactionStatements(db);
  }

  recordTransaction(t: NewTransaction): number {
    return guard('recordTransaction', { actionId: t.actionId, seq: t.seq, kind: t.kind }, () =>
      this.tx(() => {
        const status = this.latestStatus(t.actionId);
        if (status === undefined || status === 'planned' || isTerminal(status)) {
          throw new JournalError(`recordTransaction: action ${t.actionId} is ${status ?? '(none)'}; a transaction needs an action past its intent and not finished`, {
            actionId: t.actionId,
            status,
          });
        }
        const first = t.history[0];
        if (!first || first.status !== 'built') {
          throw new JournalError('recordTransaction: the history must start with built', { actionId: t.actionId });
        }
        if (!Number.isInteger(t.seq) || t.seq < 0) throw new JournalError(`recordTransaction: bad seq ${t.seq}`, { seq: t.seq });
        if (t.nonce !== null && (!Number.isSafeInteger(t.nonce) || t.nonce < 0)) {
          throw new JournalError(`recordTransaction: bad nonce ${t.nonce}`, { nonce: t.nonce });
        }
        const txId = id(
          this.#s.insertTx.run({
            actionId: t.actionId,
            chain: t.chain,
            account: t.account,
            seq: t.seq,
            kind: t.kind,
            replacesId: t.replacesId ?? null,
            description: t.description,
            to: t.to,
            calldata: hexText('calldata', t.calldata),
            value: uintToText('transaction value', t.value),
            valueAtRisk: uintToText('transaction valueAtRisk', t.valueAtRisk),
            nonce: t.nonce,
            signedRaw: hexText('signedRaw', t.signedRaw),
            txHash: t.txHash,
            maxFee: t.maxFee === null ? null : uintToText('maxFee', t.maxFee),
            maxPriorityFee: t.maxPriorityFee === null ? null : uintToText('maxPriorityFee', t.maxPriorityFee),
            meta: optionalJsonText('transaction meta', t.meta),
            createdAt: t.createdAt,
          }).lastInsertRowid,
        );
        let prev: TxStatus | undefined;
        for (const h of t.history) {
          this.#checkTxTransition(txId, prev, h.status);
          this.#s.insertTxStatus.run(txId, h.status, h.at, optionalJsonText('transaction status detail', h.detail));
          prev = h.status;
        }
        return txId;
      }),
    );
  }

  #checkTxTransition(txId: number, from: TxStatus | undefined, to: TxStatus): void {
    if (!TX_STATUSES.includes(to)) throw new JournalError(`unknown transaction status "${String(to)}"`, { transactionId: txId, status: to });
    if (!canTxTransition(from, to)) {
      const next = allowedTxNext(from);
      throw new JournalError(
        `illegal status transition for transaction ${txId}: ${from ?? '(none)'} → ${to}` +
          ` (allowed from ${from ?? '(none)'}: ${next.length ? next.join(', ') : 'nothing, it is terminal'})`,
        { transactionId: txId, from, to },
      );
    }
  }

  recordTransactionStatus(transactionId: number, status: TxStatus, at: number, detail?: Record<string, unknown>): void {
    guard('recordTransactionStatus', { transactionId, status }, () =>
      this.tx(() => {
        if (!this.#s.txExists.get(transactionId)) throw new JournalError(`no transaction ${transactionId}`, { transactionId });
        this.#checkTxTransition(transactionId, this.#s.latestTxStatus.get(transactionId)?.status, status);
        this.#s.insertTxStatus.run(transactionId, status, at, optionalJsonText('transaction status detail', detail));
      }),
    );
  }

  transaction(transactionId: number): TransactionRecord | undefined {
    return guard('transaction', { transactionId }, () => {
      const r = this.#s.txById.get(transactionId);
      return r ? txRecord(r) : undefined;
    });
  }

  transactionHistory(transactionId: number): Array<StatusRow<TxStatus>> {
    return guard('transactionHistory', { transactionId }, () =>
      this.#s.txHistory.all(transactionId).map((r) => ({
        status: r.status,
        at: r.at,
        ...(r.detail_json === null ? {} : { detail: parseJsonText<Record<string, unknown>>('detail_json', r.detail_json) }),
      })),
    );
  }

  openTransactions(filter: { chain?: string; account?: string } = {}): TransactionRecord[] {
    return guard('openTransactions', {}, () => this.#s.openTxs.all({ chain: filter.chain ?? null, account: filter.account ?? null }).map(txRecord));
  }

  transactionsOfAction(actionId: number): TransactionRecord[] {
    return guard('transactionsOfAction', { actionId }, () => this.#s.txsOfAction.all(actionId).map(txRecord));
  }

  transactionsAtNonce(chain: string, account: string, nonce: number): TransactionRecord[] {
    return guard('transactionsAtNonce', { chain, nonce }, () => this.#s.txsAtNonce.all(chain, account, nonce).map(txRecord));
  }

  highestNonce(chain: string, account: string): number | undefined {
    return guard('highestNonce', { chain }, () => this.#s.highestNonce.get(chain, account)?.n ?? undefined);
  }

  spentBetween(chain: string, account: string, from: number, to: number): bigint {
    return guard('spentBetween', { chain, from, to }, () =>
      this.#s.spent.all({ chain, account, from, to }).reduce((sum, r) => sum + textToUint('value_at_risk', r.value_at_risk), 0n),
    );
  }
}
