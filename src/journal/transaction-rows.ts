import type Database from 'better-sqlite3';
import { JournalError } from '../errors.js';
import { parseOptionalJson, textToUint } from './codec.js';
import type { TransactionRecord, TxKind } from './journal-port.js';
import { TX_TERMINAL_STATUSES, type TxStatus } from './transitions.js';

/** The transactions tables (migration 3) as rows and statements: what TransactionStore reads and writes. */

export const TX_TERMINAL_SQL = TX_TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');

export interface TxRow {
  id: number;
  action_id: number;
  chain: string;
  account: string;
  seq: number;
  kind: TxKind;
  replaces_id: number | null;
  description: string;
  to_addr: string | null;
  calldata: string;
  value: string;
  value_at_risk: string;
  nonce: number | null;
  signed_raw: string;
  tx_hash: string;
  max_fee: string | null;
  max_priority_fee: string | null;
  meta_json: string | null;
  created_at: number;
  status: TxStatus;
  status_at: number;
}

/** A transaction row with its latest status (every transaction has at least its 'built' row). */
export const TX_SELECT = `
  SELECT t.*, st.status AS status, st.at AS status_at
  FROM transactions t
  JOIN transaction_status st ON st.id = (SELECT MAX(s2.id) FROM transaction_status s2 WHERE s2.transaction_id = t.id)`;

export function txRecord(r: TxRow): TransactionRecord {
  return {
    id: r.id,
    actionId: r.action_id,
    chain: r.chain,
    account: r.account,
    seq: r.seq,
    kind: r.kind,
    replacesId: r.replaces_id,
    description: r.description,
    to: r.to_addr,
    calldata: r.calldata,
    value: textToUint('value', r.value),
    valueAtRisk: textToUint('value_at_risk', r.value_at_risk),
    nonce: r.nonce,
    signedRaw: r.signed_raw,
    txHash: r.tx_hash,
    maxFee: r.max_fee === null ? null : textToUint('max_fee', r.max_fee),
    maxPriorityFee: r.max_priority_fee === null ? null : textToUint('max_priority_fee', r.max_priority_fee),
    meta: parseOptionalJson<Record<string, unknown>>('meta_json', r.meta_json),
    createdAt: r.created_at,
    status: r.status,
    statusAt: r.status_at,
  };
}

export function hexText(field: string, v: string): string {
  const lower = v.toLowerCase();
  if (!/^0x([0-9a-f]{2})*$/.test(lower)) throw new JournalError(`${field} must be 0x-prefixed hex of whole bytes`, { field });
  return lower;
}

export function prepareTransactionStatements(db: Database.Database) {
  return {
    insertTx: db.prepare(
      `INSERT INTO transactions (action_id, chain, account, seq, kind, replaces_id, description, to_addr, calldata, value,
         value_at_risk, nonce, signed_raw, tx_hash, max_fee, max_priority_fee, meta_json, created_at)
       VALUES (@actionId, @chain, @account, @seq, @kind, @replacesId, @description, @to, @calldata, @value,
         @valueAtRisk, @nonce, @signedRaw, @txHash, @maxFee, @maxPriorityFee, @meta, @createdAt)`,
    ),
    insertTxStatus: db.prepare('INSERT INTO transaction_status (transaction_id, status, at, detail_json) VALUES (?, ?, ?, ?)'),
    txExists: db.prepare<[number], { id: number }>('SELECT id FROM transactions WHERE id = ?'),
    latestTxStatus: db.prepare<[number], { status: TxStatus }>(
      'SELECT status FROM transaction_status WHERE transaction_id = ? ORDER BY id DESC LIMIT 1',
    ),
    txById: db.prepare<[number], TxRow>(`${TX_SELECT} WHERE t.id = ?`),
    txHistory: db.prepare<[number], { status: TxStatus; at: number; detail_json: string | null }>(
      'SELECT status, at, detail_json FROM transaction_status WHERE transaction_id = ? ORDER BY id',
    ),
    openTxs: db.prepare<{ chain: string | null; account: string | null }, TxRow>(
      `${TX_SELECT} WHERE st.status NOT IN (${TX_TERMINAL_SQL})
         AND (@chain IS NULL OR t.chain = @chain) AND (@account IS NULL OR t.account = @account)
       ORDER BY t.id`,
    ),
    txsOfAction: db.prepare<[number], TxRow>(`${TX_SELECT} WHERE t.action_id = ? ORDER BY t.id`),
    txsAtNonce: db.prepare<[string, string, number], TxRow>(`${TX_SELECT} WHERE t.chain = ? AND t.account = ? AND t.nonce = ? ORDER BY t.id`),
    highestNonce: db.prepare<[string, string], { n: number | null }>(
      `SELECT MAX(t.nonce) AS n FROM transactions t
       WHERE t.chain = ? AND t.account = ?
         AND (SELECT s.status FROM transaction_status s WHERE s.transaction_id = t.id ORDER BY s.id DESC LIMIT 1) <> 'dropped'`,
    ),
    spent: db.prepare<{ chain: string; account: string; from: number; to: number }, { value_at_risk: string }>(
      `SELECT t.value_at_risk FROM transactions t
       WHERE t.kind = 'action' AND t.chain = @chain AND t.account = @account AND t.created_at >= @from AND t.created_at < @to
         AND EXISTS (
           SELECT 1 FROM transactions u
           JOIN transaction_status su ON su.id = (SELECT MAX(s2.id) FROM transaction_status s2 WHERE s2.transaction_id = u.id)
           WHERE u.action_id = t.action_id AND u.seq = t.seq AND u.kind <> 'cancel'
             AND su.status IN ('built', 'simulated', 'signed', 'sent', 'confirmed'))`,
    ),
  };
}
