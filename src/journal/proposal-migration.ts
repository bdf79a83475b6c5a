/**
 * Migration: multisig proposals (Safe on Ethereum, Squads on Solana). A propose-only keeper never signs a
 * chain transaction; it proposes one per cycle to the multisig's signers and follows it. One row per
 * proposal in `proposals` (what was proposed, to whom, at which multisig nonce / transaction index, with
 * its deterministic hash), its life in `proposal_status`:
 *
 *   intent → proposed → confirmations (one row per change) → executed | failed | rejected | replaced | stale
 *
 * 'intent' is written with the hash before the proposal leaves the process, so a keeper killed between
 * delivering and recording redelivers the same proposal (same hash; the service is idempotent by hash)
 * and never makes a second one for the same plan. 'replaced' and 'stale' end the keeper's interest in a
 * proposal, but the signers may still execute it: 'executed', 'failed' or 'rejected' may follow them,
 * recording what really happened at that nonce, or a last 'replaced' with nonceUsed = true when another
 * transaction took the nonce. Same conventions as every table: STRICT, append-only, money as decimal TEXT.
 */

const uint = (col: string, nullable = false) =>
  `CHECK (${nullable ? `${col} IS NULL OR ` : ''}(${col} GLOB '[0-9]*' AND ${col} NOT GLOB '*[^0-9]*' AND (${col} = '0' OR ${col} NOT GLOB '0*')))`;
const jsonObject = (col: string, nullable = false) =>
  `CHECK (${nullable ? `${col} IS NULL OR ` : ''}(CASE WHEN json_valid(${col}) THEN json_type(${col}) = 'object' ELSE 0 END))`;
const appendOnly = (t: string) => `
CREATE TRIGGER ${t}_no_update BEFORE UPDATE ON ${t} BEGIN SELECT RAISE(ABORT, '${t} is append-only'); END;
CREATE TRIGGER ${t}_no_delete BEFORE DELETE ON ${t} BEGIN SELECT RAISE(ABORT, '${t} is append-only'); END;`;

export const PROPOSAL_STATUSES = ['intent', 'proposed', 'confirmations', 'executed', 'failed', 'rejected', 'replaced', 'stale'] as const;
const STATUS_LIST = PROPOSAL_STATUSES.map((s) => `'${s}'`).join(', ');
const LATEST = (id: string) => `(SELECT s.status FROM proposal_status s WHERE s.proposal_id = ${id} ORDER BY s.id DESC LIMIT 1)`;

export const PROPOSALS_MIGRATION_NAME = 'multisig proposals';

export const PROPOSALS_SQL = `
CREATE TABLE proposals (
  id               INTEGER PRIMARY KEY,
  vault            TEXT    NOT NULL CHECK (length(vault) > 0),
  cycle_id         INTEGER REFERENCES cycles (id),
  multisig         TEXT    NOT NULL CHECK (multisig IN ('safe', 'squads')),
  chain            TEXT    NOT NULL CHECK (length(chain) > 0),
  account          TEXT    NOT NULL CHECK (length(account) > 0),
  nonce            INTEGER NOT NULL CHECK (nonce >= 0),
  proposal_hash    TEXT    NOT NULL CHECK (length(proposal_hash) > 0),
  replaces_id      INTEGER REFERENCES proposals (id),
  proposer         TEXT    NOT NULL CHECK (length(proposer) > 0),
  payload_json     TEXT    NOT NULL ${jsonObject('payload_json')},
  description_json TEXT    NOT NULL ${jsonObject('description_json')},
  value_at_risk    TEXT    NOT NULL ${uint('value_at_risk')},
  observed_block   TEXT    ${uint('observed_block', true)},
  created_at       INTEGER NOT NULL,
  UNIQUE (chain, account, proposal_hash)
) STRICT;
CREATE INDEX proposals_by_account ON proposals (chain, account, nonce, id);

CREATE TABLE proposal_status (
  id           INTEGER PRIMARY KEY,
  proposal_id  INTEGER NOT NULL REFERENCES proposals (id),
  status       TEXT    NOT NULL CHECK (status IN (${STATUS_LIST})),
  at           INTEGER NOT NULL,
  detail_json  TEXT    ${jsonObject('detail_json', true)}
) STRICT;
CREATE INDEX proposal_status_by_proposal ON proposal_status (proposal_id, id);

-- One pending proposal per multisig: a new one only when every earlier one has an outcome (a replacement
-- marks the one it replaces 'replaced' or 'stale' first, in the same transaction).
CREATE TRIGGER proposals_one_pending BEFORE INSERT ON proposals
WHEN EXISTS (SELECT 1 FROM proposals p WHERE p.chain = NEW.chain AND p.account = NEW.account
  AND ${LATEST('p.id')} IN ('intent', 'proposed', 'confirmations'))
BEGIN SELECT RAISE(ABORT, 'proposals: another proposal of this multisig is still pending'); END;

CREATE TRIGGER proposal_status_first_is_intent BEFORE INSERT ON proposal_status
WHEN (NEW.status = 'intent') = EXISTS (SELECT 1 FROM proposal_status WHERE proposal_id = NEW.proposal_id)
BEGIN SELECT RAISE(ABORT, 'proposal_status: a proposal starts as intent, and only its first status is intent'); END;
CREATE TRIGGER proposal_status_after_outcome BEFORE INSERT ON proposal_status
WHEN ${LATEST('NEW.proposal_id')} IN ('executed', 'failed', 'rejected')
  OR (${LATEST('NEW.proposal_id')} IN ('replaced', 'stale') AND NEW.status NOT IN ('executed', 'failed', 'rejected')
      AND NOT (NEW.status = 'replaced' AND json_extract(NEW.detail_json, '$.nonceUsed') IS 1))
BEGIN SELECT RAISE(ABORT, 'proposal_status: the proposal already has an outcome'); END;
${appendOnly('proposals')}
${appendOnly('proposal_status')}
`;
