import type Database from 'better-sqlite3';
import { guard, optionalJsonText, parseJsonText, parseOptionalJson, textToUint, toJsonText, uintToText } from './codec.js';
import { PROPOSAL_STATUSES } from './proposal-migration.js';

/**
 * The multisig proposals in the journal (tables from proposal-migration.ts), on the journal's own
 * connection. Pending = latest status intent, proposed or confirmations.
 */

export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];
export const PENDING_PROPOSAL: readonly ProposalStatus[] = ['intent', 'proposed', 'confirmations'];

export interface NewProposal {
  readonly vault: string;
  readonly cycleId: number | null;
  readonly multisig: 'safe' | 'squads';
  readonly chain: string;
  readonly account: string;
  readonly nonce: bigint;
  readonly hash: string;
  readonly proposer: string;
  readonly payload: Record<string, unknown>;
  readonly description: Record<string, unknown>;
  readonly valueAtRisk: bigint;
  /** A block at which the multisig's nonce was `nonce` (EVM): executions are looked for after it. */
  readonly observedBlock?: bigint | undefined;
  readonly createdAt: number;
}

export interface ProposalRecord extends Omit<NewProposal, 'observedBlock'> {
  readonly id: number;
  readonly replacesId: number | null;
  readonly observedBlock: bigint | null;
  readonly status: ProposalStatus;
  readonly statusAt: number;
  readonly statusDetail: Record<string, unknown> | undefined;
}

interface Row {
  id: number;
  vault: string;
  cycle_id: number | null;
  multisig: 'safe' | 'squads';
  chain: string;
  account: string;
  nonce: number;
  proposal_hash: string;
  replaces_id: number | null;
  proposer: string;
  payload_json: string;
  description_json: string;
  value_at_risk: string;
  observed_block: string | null;
  created_at: number;
  status: ProposalStatus;
  status_at: number;
  status_detail: string | null;
}

const SELECT = `
  SELECT p.*, s.status AS status, s.at AS status_at, s.detail_json AS status_detail
  FROM proposals p
  JOIN proposal_status s ON s.id = (SELECT MAX(s2.id) FROM proposal_status s2 WHERE s2.proposal_id = p.id)`;

function record(r: Row): ProposalRecord {
  return {
    id: r.id,
    vault: r.vault,
    cycleId: r.cycle_id,
    multisig: r.multisig,
    chain: r.chain,
    account: r.account,
    nonce: BigInt(r.nonce),
    hash: r.proposal_hash,
    replacesId: r.replaces_id,
    proposer: r.proposer,
    payload: parseJsonText('proposals.payload_json', r.payload_json),
    description: parseJsonText('proposals.description_json', r.description_json),
    valueAtRisk: textToUint('proposals.value_at_risk', r.value_at_risk),
    observedBlock: r.observed_block === null ? null : textToUint('proposals.observed_block', r.observed_block),
    createdAt: r.created_at,
    status: r.status,
    statusAt: r.status_at,
    statusDetail: parseOptionalJson('proposal_status.detail_json', r.status_detail),
  };
}

export class ProposalJournal {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /**
   * Journal a proposal's intent (its row and its 'intent' status, one commit) before it is delivered.
   * With `replaces`, that pending proposal is first marked replaced/stale in the same commit.
   */
  recordIntent(p: NewProposal, replaces?: { id: number; status: 'replaced' | 'stale'; detail: Record<string, unknown> }): number {
    return guard('recordProposalIntent', { account: p.account, hash: p.hash }, () =>
      this.#db.transaction(() => {
        if (replaces) this.#status(replaces.id, replaces.status, p.createdAt, replaces.detail);
        const id = Number(
          this.#db
            .prepare(
              `INSERT INTO proposals (vault, cycle_id, multisig, chain, account, nonce, proposal_hash, replaces_id, proposer, payload_json, description_json, value_at_risk, observed_block, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(p.vault, p.cycleId, p.multisig, p.chain, p.account, Number(p.nonce), p.hash, replaces?.id ?? null, p.proposer, toJsonText('payload', p.payload), toJsonText('description', p.description), uintToText('valueAtRisk', p.valueAtRisk), p.observedBlock === undefined ? null : uintToText('observedBlock', p.observedBlock), p.createdAt).lastInsertRowid,
        );
        this.#status(id, 'intent', p.createdAt, { hash: p.hash, nonce: p.nonce.toString() });
        return id;
      }).immediate(),
    );
  }

  #status(id: number, status: ProposalStatus, at: number, detail?: Record<string, unknown>): void {
    this.#db.prepare('INSERT INTO proposal_status (proposal_id, status, at, detail_json) VALUES (?, ?, ?, ?)').run(id, status, at, optionalJsonText('proposal detail', detail));
  }

  recordStatus(id: number, status: ProposalStatus, at: number, detail?: Record<string, unknown>): void {
    guard('recordProposalStatus', { id, status }, () => this.#status(id, status, at, detail));
  }

  proposal(id: number): ProposalRecord | undefined {
    const r = this.#db.prepare<[number], Row>(`${SELECT} WHERE p.id = ?`).get(id);
    return r ? record(r) : undefined;
  }

  /** The multisig's pending proposal (at most one), if any. */
  pending(chain: string, account: string): ProposalRecord | undefined {
    return this.ofAccount(chain, account).find((p) => PENDING_PROPOSAL.includes(p.status));
  }

  /** Every proposal of the multisig, oldest first. */
  ofAccount(chain: string, account: string): ProposalRecord[] {
    return this.#db.prepare<[string, string], Row>(`${SELECT} WHERE p.chain = ? AND p.account = ? ORDER BY p.id`).all(chain, account).map(record);
  }

  history(id: number): Array<{ status: ProposalStatus; at: number; detail: Record<string, unknown> | undefined }> {
    return this.#db
      .prepare<[number], { status: ProposalStatus; at: number; detail_json: string | null }>('SELECT status, at, detail_json FROM proposal_status WHERE proposal_id = ? ORDER BY id')
      .all(id)
      .map((r) => ({ status: r.status, at: r.at, detail: parseOptionalJson('proposal_status.detail_json', r.detail_json) }));
  }

  /**
   * Value at risk of proposals created in [from, to) that can still execute or did (not rejected, replaced,
   * stale or failed), leaving out `exceptId` (the pending proposal a replacement takes the nonce of).
   */
  valueAtRiskBetween(chain: string, account: string, from: number, to: number, exceptId?: number): bigint {
    return this.ofAccount(chain, account)
      .filter((p) => p.id !== exceptId && p.createdAt >= from && p.createdAt < to && !['rejected', 'replaced', 'stale', 'failed'].includes(p.status))
      .reduce((s, p) => s + p.valueAtRisk, 0n);
  }
}
