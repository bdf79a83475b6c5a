import type Database from 'better-sqlite3';
import { JournalError } from '../errors.js';
import { PROPOSALS_MIGRATION_NAME, PROPOSALS_SQL } from './proposal-migration.js';

/**
 * Versioned schema migrations. Each runs once, inside its own IMMEDIATE transaction together with the
 * row that records it in `schema_migrations`, so a journal is always at exactly one known version.
 *
 * A migration that has shipped is history: never edit it (or the helpers below, which its SQL is built
 * from); add a new one. A journal written by a newer keeper (a version this code does not know) is
 * refused rather than guessed at.
 *
 * Conventions every table follows:
 * - STRICT, so a column only ever holds its declared type;
 * - append-only: BEFORE UPDATE / BEFORE DELETE triggers abort (state changes are new rows);
 * - money (bigint base units) is TEXT holding a canonical non-negative decimal integer, checked below,
 *   so values beyond 2^63 survive exactly and nothing passes through a JS number;
 * - rates, weights and APYs are REAL; times are INTEGER epoch ms; JSON is TEXT checked by json_valid.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** CHECK for a canonical non-negative decimal integer: digits only, no leading zero (except "0"). */
function uint(col: string): string {
  return `CHECK (${col} GLOB '[0-9]*' AND ${col} NOT GLOB '*[^0-9]*' AND (${col} = '0' OR ${col} NOT GLOB '0*'))`;
}

/** CHECK that a TEXT column holds a JSON value of the given type ('object' | 'array'). */
function json(col: string, type: 'object' | 'array', nullable = false): string {
  const test = `CASE WHEN json_valid(${col}) THEN json_type(${col}) = '${type}' ELSE 0 END`;
  return nullable ? `CHECK (${col} IS NULL OR ${test})` : `CHECK (${test})`;
}

function appendOnly(table: string): string {
  return `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`;
}

/** Rows about a cycle's plan may only be added while the cycle has no end row. */
function whileCycleOpen(table: string): string {
  return `
CREATE TRIGGER ${table}_cycle_open BEFORE INSERT ON ${table}
WHEN EXISTS (SELECT 1 FROM cycle_ends WHERE cycle_id = NEW.cycle_id)
BEGIN SELECT RAISE(ABORT, '${table}: cycle has already ended'); END;`;
}

/** Rows about an action may only be added while its cycle has no end row. */
function whileActionCycleOpen(table: string): string {
  return `
CREATE TRIGGER ${table}_cycle_open BEFORE INSERT ON ${table}
WHEN EXISTS (SELECT 1 FROM actions a JOIN cycle_ends e ON e.cycle_id = a.cycle_id WHERE a.id = NEW.action_id)
BEGIN SELECT RAISE(ABORT, '${table}: the action''s cycle has already ended'); END;`;
}

/** A row that names both a run and a cycle must name the cycle's own run. */
function runMatchesCycle(table: string): string {
  return `
CREATE TRIGGER ${table}_run_matches_cycle BEFORE INSERT ON ${table}
WHEN NEW.cycle_id IS NOT NULL AND NEW.run_id IS NOT (SELECT run_id FROM cycles WHERE id = NEW.cycle_id)
BEGIN SELECT RAISE(ABORT, '${table}: run_id does not match the cycle''s run'); END;`;
}

const V1_TABLES = [
  'runs',
  'cycles',
  'cycle_stages',
  'cycle_ends',
  'observations',
  'scores',
  'decisions',
  'actions',
  'action_status',
  'fills',
  'portfolio_snapshots',
  'events',
] as const;

const V1 = `
CREATE TABLE runs (
  id           INTEGER PRIMARY KEY,
  started_at   INTEGER NOT NULL,
  mode         TEXT    NOT NULL CHECK (length(mode) > 0),
  vault        TEXT    NOT NULL CHECK (length(vault) > 0),
  config_hash  TEXT    NOT NULL,
  config_json  TEXT    NOT NULL CHECK (json_valid(config_json))
) STRICT;
CREATE INDEX runs_by_vault ON runs (vault, id);

-- seq counts cycles within a run (1, 2, 3, ...); the id is the journal-wide identity.
CREATE TABLE cycles (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES runs (id),
  seq           INTEGER NOT NULL CHECK (seq >= 1),
  decision_time INTEGER NOT NULL,
  started_at    INTEGER NOT NULL,
  UNIQUE (run_id, seq)
) STRICT;
CREATE INDEX cycles_by_run_decision ON cycles (run_id, decision_time);

CREATE TABLE cycle_stages (
  id        INTEGER PRIMARY KEY,
  cycle_id  INTEGER NOT NULL REFERENCES cycles (id),
  stage     TEXT    NOT NULL CHECK (length(stage) > 0),
  at        INTEGER NOT NULL
) STRICT;
CREATE INDEX cycle_stages_by_cycle ON cycle_stages (cycle_id, id);

CREATE TABLE cycle_ends (
  cycle_id      INTEGER PRIMARY KEY REFERENCES cycles (id),
  at            INTEGER NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('completed', 'halted', 'failed', 'interrupted')),
  summary_json  TEXT    NOT NULL ${json('summary_json', 'object')}
) STRICT;

CREATE TABLE observations (
  id                   INTEGER PRIMARY KEY,
  cycle_id             INTEGER NOT NULL REFERENCES cycles (id),
  asset                TEXT    NOT NULL CHECK (length(asset) > 0),
  time                 INTEGER NOT NULL,
  source               TEXT    NOT NULL CHECK (length(source) > 0),
  ref                  TEXT,
  fair_rate            REAL,
  market_rate          REAL,
  apy_base             REAL,
  apy_mev              REAL,
  apy_restaking        REAL,
  apy_incentives       REAL,
  apy_lending          REAL,
  supply_index         REAL,
  tvl_base             REAL,
  exit_liquidity_base  REAL,
  redemption_delay_s   REAL
) STRICT;
CREATE INDEX observations_by_cycle ON observations (cycle_id, asset);

-- breakdown_json holds the rest of the AssetScore (yield breakdown, layers, costs, depeg, ...).
CREATE TABLE scores (
  cycle_id        INTEGER NOT NULL REFERENCES cycles (id),
  asset           TEXT    NOT NULL CHECK (length(asset) > 0),
  eligible        INTEGER NOT NULL CHECK (eligible IN (0, 1)),
  score           REAL    NOT NULL,
  expected_yield  REAL    NOT NULL,
  expected_loss   REAL    NOT NULL,
  breakdown_json  TEXT    NOT NULL ${json('breakdown_json', 'object')},
  reasons_json    TEXT    NOT NULL ${json('reasons_json', 'array')},
  PRIMARY KEY (cycle_id, asset)
) STRICT;

CREATE TABLE decisions (
  cycle_id        INTEGER PRIMARY KEY REFERENCES cycles (id),
  strategy        TEXT    NOT NULL CHECK (length(strategy) > 0),
  weights_json    TEXT    NOT NULL ${json('weights_json', 'object')},
  rationale_json  TEXT    NOT NULL ${json('rationale_json', 'array')},
  halted          INTEGER NOT NULL CHECK (halted IN (0, 1))
) STRICT;

CREATE TABLE actions (
  id             INTEGER PRIMARY KEY,
  cycle_id       INTEGER NOT NULL REFERENCES cycles (id),
  seq            INTEGER NOT NULL,
  kind           TEXT    NOT NULL CHECK (kind IN ('mint', 'buy', 'sell', 'redeem-request', 'redeem-claim', 'supply', 'withdraw')),
  from_asset     TEXT    NOT NULL CHECK (length(from_asset) > 0),
  to_asset       TEXT    NOT NULL CHECK (length(to_asset) > 0),
  amount_in      TEXT    NOT NULL ${uint('amount_in')},
  expected_out   TEXT    NOT NULL ${uint('expected_out')},
  min_out        TEXT    NOT NULL ${uint('min_out')},
  venue          TEXT    NOT NULL,
  est_cost_base  TEXT    NOT NULL ${uint('est_cost_base')},
  delay_s        REAL    NOT NULL CHECK (delay_s >= 0),
  redemption_id  TEXT,
  reason         TEXT    NOT NULL,
  UNIQUE (cycle_id, seq)
) STRICT;

-- An action's life: one row per status. The latest row (highest id) is its current status.
CREATE TABLE action_status (
  id           INTEGER PRIMARY KEY,
  action_id    INTEGER NOT NULL REFERENCES actions (id),
  status       TEXT    NOT NULL CHECK (status IN ('planned', 'intent', 'built', 'simulated', 'signed', 'sent', 'confirmed', 'failed', 'skipped', 'abandoned')),
  at           INTEGER NOT NULL,
  detail_json  TEXT ${json('detail_json', 'object', true)}
) STRICT;
CREATE INDEX action_status_by_action ON action_status (action_id, id);

-- Last line of defence for writers that bypass the Journal class (the full transition table is
-- enforced in code): the first status is 'planned' and only the first; nothing follows a terminal status.
CREATE TRIGGER action_status_first_is_planned BEFORE INSERT ON action_status
WHEN (NEW.status = 'planned') = EXISTS (SELECT 1 FROM action_status WHERE action_id = NEW.action_id)
BEGIN SELECT RAISE(ABORT, 'action_status: an action starts as planned, and only its first status is planned'); END;
CREATE TRIGGER action_status_not_after_terminal BEFORE INSERT ON action_status
WHEN (SELECT status FROM action_status WHERE action_id = NEW.action_id ORDER BY id DESC LIMIT 1)
     IN ('confirmed', 'failed', 'skipped', 'abandoned')
BEGIN SELECT RAISE(ABORT, 'action_status: the action is already in a terminal status'); END;

CREATE TABLE fills (
  id           INTEGER PRIMARY KEY,
  action_id    INTEGER NOT NULL REFERENCES actions (id),
  amount_in    TEXT    NOT NULL ${uint('amount_in')},
  amount_out   TEXT    NOT NULL ${uint('amount_out')},
  cost_base    TEXT    NOT NULL ${uint('cost_base')},
  at           INTEGER NOT NULL,
  detail_json  TEXT ${json('detail_json', 'object', true)}
) STRICT;
CREATE INDEX fills_by_action ON fills (action_id, id);

-- run_id is always known (from the cycle, or the run a cycle-less snapshot belongs to), so the latest
-- state of a vault can be found even for snapshots taken outside a cycle.
CREATE TABLE portfolio_snapshots (
  id              INTEGER PRIMARY KEY,
  run_id          INTEGER NOT NULL REFERENCES runs (id),
  cycle_id        INTEGER REFERENCES cycles (id),
  at              INTEGER NOT NULL,
  nav_base        TEXT    NOT NULL ${uint('nav_base')},
  portfolio_json  TEXT    NOT NULL ${json('portfolio_json', 'object')},
  marks_json      TEXT    NOT NULL ${json('marks_json', 'object')}
) STRICT;
CREATE INDEX portfolio_snapshots_by_run ON portfolio_snapshots (run_id, id);
CREATE INDEX portfolio_snapshots_by_cycle ON portfolio_snapshots (cycle_id, id);

CREATE TABLE events (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER REFERENCES runs (id),
  cycle_id   INTEGER REFERENCES cycles (id),
  at         INTEGER NOT NULL,
  kind       TEXT    NOT NULL CHECK (length(kind) > 0),
  severity   TEXT    NOT NULL CHECK (severity IN ('info', 'warn', 'critical')),
  asset      TEXT,
  message    TEXT    NOT NULL,
  data_json  TEXT ${json('data_json', 'object', true)}
) STRICT;
CREATE INDEX events_by_cycle ON events (cycle_id, id);
CREATE INDEX events_by_kind ON events (kind, id);
CREATE INDEX events_by_severity ON events (severity, id);
${['cycle_stages', 'observations', 'scores', 'decisions', 'actions'].map(whileCycleOpen).join('')}
${['action_status', 'fills'].map(whileActionCycleOpen).join('')}
${['portfolio_snapshots', 'events'].map(runMatchesCycle).join('')}
${V1_TABLES.map(appendOnly).join('')}
`;

/** Live DEX quotes: the price impact of exiting at a size (ALTER TABLE ADD COLUMN keeps STRICT and the triggers). */
const V2 = `
ALTER TABLE observations ADD COLUMN exit_impact REAL;
ALTER TABLE observations ADD COLUMN exit_size_base REAL;
`;

/** CHECK for a nullable canonical non-negative decimal integer (added with migration 3). */
function uintOrNull(col: string): string {
  return `CHECK (${col} IS NULL OR (${col} GLOB '[0-9]*' AND ${col} NOT GLOB '*[^0-9]*' AND (${col} = '0' OR ${col} NOT GLOB '0*')))`;
}

/** CHECK for lower-case 0x-prefixed hex of whole bytes ('0x' alone is the empty byte string). */
function hexBytes(col: string): string {
  return `CHECK (${col} GLOB '0x*' AND length(${col}) % 2 = 0 AND substr(${col}, 3) NOT GLOB '*[^0-9a-f]*')`;
}

/** Order of a transaction status along the pipeline; every terminal status ranks last. */
const TX_RANK = (col: string): string =>
  `CASE ${col} WHEN 'built' THEN 1 WHEN 'simulated' THEN 2 WHEN 'signed' THEN 3 WHEN 'sent' THEN 4 ELSE 5 END`;

/**
 * Chain transactions, chain-agnostic (EVM today, Solana next). One row per signed payload: the first
 * transaction of an action step is kind 'action'; a fee-bumped replacement or a cancel of it is a new row
 * (kind 'replacement' / 'cancel') naming the row it replaces, at the same account and nonce, so every hash
 * ever broadcast is journaled and the one that mines wins. A row is inserted when its transaction is
 * signed — before it is broadcast — with the signed bytes, so a restarted keeper rebroadcasts the same
 * bytes (or finds them by hash) and never signs that step again. signed_raw is a signed transaction, not a
 * key. Its life is in transaction_status (append-only, one row per transition).
 *
 * Spending per day is not a separate ledger: it is derived from these rows (value_at_risk of the action
 * steps not known to have failed), so it cannot drift from what was actually signed.
 */
const V3 = `
CREATE TABLE transactions (
  id                INTEGER PRIMARY KEY,
  action_id         INTEGER NOT NULL REFERENCES actions (id),
  chain             TEXT    NOT NULL CHECK (length(chain) > 0),
  account           TEXT    NOT NULL CHECK (length(account) > 0),
  seq               INTEGER NOT NULL CHECK (seq >= 0),
  kind              TEXT    NOT NULL CHECK (kind IN ('action', 'replacement', 'cancel')),
  replaces_id       INTEGER REFERENCES transactions (id),
  description       TEXT    NOT NULL,
  to_addr           TEXT,
  calldata          TEXT    NOT NULL ${hexBytes('calldata')},
  value             TEXT    NOT NULL ${uint('value')},
  value_at_risk     TEXT    NOT NULL ${uint('value_at_risk')},
  nonce             INTEGER CHECK (nonce IS NULL OR nonce >= 0),
  signed_raw        TEXT    NOT NULL ${hexBytes('signed_raw')} CHECK (length(signed_raw) > 2),
  tx_hash           TEXT    NOT NULL CHECK (length(tx_hash) > 0),
  max_fee           TEXT    ${uintOrNull('max_fee')},
  max_priority_fee  TEXT    ${uintOrNull('max_priority_fee')},
  meta_json         TEXT    ${json('meta_json', 'object', true)},
  created_at        INTEGER NOT NULL,
  CHECK ((kind = 'action') = (replaces_id IS NULL)),
  UNIQUE (chain, tx_hash)
) STRICT;
CREATE INDEX transactions_by_action ON transactions (action_id, seq, id);
CREATE INDEX transactions_by_slot ON transactions (chain, account, nonce);
-- One signed transaction per action step: a step is never signed twice (a replacement or cancel is a
-- different kind of row, at the same nonce).
CREATE UNIQUE INDEX transactions_one_per_step ON transactions (action_id, seq) WHERE kind = 'action';

-- A new step never takes a nonce another step of ours holds, unless every transaction at that nonce was
-- dropped (refused by the node and never on chain), which leaves the nonce free.
CREATE TRIGGER transactions_fresh_nonce BEFORE INSERT ON transactions
WHEN NEW.kind = 'action' AND NEW.nonce IS NOT NULL
 AND EXISTS (SELECT 1 FROM transactions t WHERE t.chain = NEW.chain AND t.account = NEW.account AND t.nonce = NEW.nonce
   AND (SELECT s.status FROM transaction_status s WHERE s.transaction_id = t.id ORDER BY s.id DESC LIMIT 1) IS NOT 'dropped')
BEGIN SELECT RAISE(ABORT, 'transactions: the nonce is already taken by another journaled transaction of this account'); END;
CREATE TRIGGER transactions_replacement_same_slot BEFORE INSERT ON transactions
WHEN NEW.replaces_id IS NOT NULL AND NOT EXISTS (
  SELECT 1 FROM transactions r WHERE r.id = NEW.replaces_id AND r.action_id = NEW.action_id AND r.seq = NEW.seq
    AND r.chain = NEW.chain AND r.account = NEW.account AND r.nonce IS NEW.nonce)
BEGIN SELECT RAISE(ABORT, 'transactions: a replacement or cancel must be for the same action step, account and nonce as the transaction it replaces'); END;

CREATE TABLE transaction_status (
  id              INTEGER PRIMARY KEY,
  transaction_id  INTEGER NOT NULL REFERENCES transactions (id),
  status          TEXT    NOT NULL CHECK (status IN ('built', 'simulated', 'signed', 'sent', 'confirmed', 'failed', 'replaced', 'dropped')),
  at              INTEGER NOT NULL,
  detail_json     TEXT ${json('detail_json', 'object', true)}
) STRICT;
CREATE INDEX transaction_status_by_tx ON transaction_status (transaction_id, id);
CREATE INDEX transaction_status_by_status ON transaction_status (status, transaction_id);

-- As for action_status, the full transition table is enforced in code; the database refuses the worst:
-- a first status other than 'built', anything after a terminal status, and any step backward.
CREATE TRIGGER transaction_status_first_is_built BEFORE INSERT ON transaction_status
WHEN (NEW.status = 'built') = EXISTS (SELECT 1 FROM transaction_status WHERE transaction_id = NEW.transaction_id)
BEGIN SELECT RAISE(ABORT, 'transaction_status: a transaction starts as built, and only its first status is built'); END;
CREATE TRIGGER transaction_status_not_after_terminal BEFORE INSERT ON transaction_status
WHEN (SELECT status FROM transaction_status WHERE transaction_id = NEW.transaction_id ORDER BY id DESC LIMIT 1)
     IN ('confirmed', 'failed', 'replaced', 'dropped')
BEGIN SELECT RAISE(ABORT, 'transaction_status: the transaction is already in a terminal status'); END;
CREATE TRIGGER transaction_status_forward BEFORE INSERT ON transaction_status
WHEN ${TX_RANK('NEW.status')} <= (
  SELECT ${TX_RANK('s.status')} FROM transaction_status s WHERE s.transaction_id = NEW.transaction_id ORDER BY s.id DESC LIMIT 1)
BEGIN SELECT RAISE(ABORT, 'transaction_status: a transaction only moves forward'); END;
${whileActionCycleOpen('transactions')}
${['transactions', 'transaction_status'].map(appendOnly).join('')}
`;

/**
 * Redo of interrupted cycles (crash recovery). `cycle_redos` links a cycle that makes an interrupted
 * cycle's decision again (same decision time, same readings) to the cycle it redoes; an interrupted cycle
 * is redone at most once (UNIQUE), so two restarts cannot both redo it, and a redo that is itself
 * interrupted is redone in turn. `action_holdings` is the vault's portfolio right after an action
 * executed, written in the same transaction as the action's fill and final status, so a redo continues
 * from exactly what was executed without re-running or re-deriving it.
 */
const V5 = `
CREATE TABLE cycle_redos (
  cycle_id  INTEGER PRIMARY KEY REFERENCES cycles (id),
  redo_of   INTEGER NOT NULL UNIQUE REFERENCES cycles (id),
  CHECK (cycle_id <> redo_of)
) STRICT;
CREATE TRIGGER cycle_redos_of_interrupted BEFORE INSERT ON cycle_redos
WHEN (SELECT status FROM cycle_ends WHERE cycle_id = NEW.redo_of) IS NOT 'interrupted'
BEGIN SELECT RAISE(ABORT, 'cycle_redos: only an interrupted cycle is redone'); END;
CREATE TRIGGER cycle_redos_same_time BEFORE INSERT ON cycle_redos
WHEN (SELECT decision_time FROM cycles WHERE id = NEW.cycle_id) IS NOT (SELECT decision_time FROM cycles WHERE id = NEW.redo_of)
BEGIN SELECT RAISE(ABORT, 'cycle_redos: a redo decides at the interrupted cycle''s own decision time'); END;
CREATE TRIGGER cycle_redos_fresh BEFORE INSERT ON cycle_redos
WHEN EXISTS (SELECT 1 FROM cycle_stages WHERE cycle_id = NEW.cycle_id) OR EXISTS (SELECT 1 FROM cycle_ends WHERE cycle_id = NEW.cycle_id)
BEGIN SELECT RAISE(ABORT, 'cycle_redos: the link is written with the redo cycle, before anything else of it'); END;

CREATE TABLE action_holdings (
  action_id       INTEGER PRIMARY KEY REFERENCES actions (id),
  at              INTEGER NOT NULL,
  portfolio_json  TEXT    NOT NULL ${json('portfolio_json', 'object')}
) STRICT;
CREATE TRIGGER action_holdings_after_confirmed BEFORE INSERT ON action_holdings
WHEN (SELECT status FROM action_status WHERE action_id = NEW.action_id ORDER BY id DESC LIMIT 1) IS NOT 'confirmed'
BEGIN SELECT RAISE(ABORT, 'action_holdings: only a confirmed action has holdings after it'); END;
${whileActionCycleOpen('action_holdings')}
${['cycle_redos', 'action_holdings'].map(appendOnly).join('')}
`;

// Versions are ordered, not contiguous: 4 and 6-8 were reserved for work built in parallel that needed no
// schema change. A gap is harmless (a journal runs every migration above its version, in order).
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: V1 },
  { version: 2, name: 'observation exit quotes', sql: V2 },
  { version: 3, name: 'chain transactions', sql: V3 },
  { version: 5, name: 'cycle redos', sql: V5 },
  { version: 9, name: PROPOSALS_MIGRATION_NAME, sql: PROPOSALS_SQL },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);

/** The bookkeeping table itself is created outside the versioned list (it has to exist to read a version). */
const BOOTSTRAP = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL,
  applied_at  INTEGER NOT NULL
) STRICT;
CREATE TRIGGER IF NOT EXISTS schema_migrations_no_update BEFORE UPDATE ON schema_migrations
BEGIN SELECT RAISE(ABORT, 'schema_migrations is append-only'); END;
CREATE TRIGGER IF NOT EXISTS schema_migrations_no_delete BEFORE DELETE ON schema_migrations
BEGIN SELECT RAISE(ABORT, 'schema_migrations is append-only'); END;
`;

interface AppliedRow {
  version: number;
  name: string;
}

function hasMigrationsTable(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
}

function appliedMigrations(db: Database.Database): AppliedRow[] {
  if (!hasMigrationsTable(db)) return [];
  return db.prepare<[], AppliedRow>('SELECT version, name FROM schema_migrations ORDER BY version').all();
}

/** The version a journal is at (0 for a fresh file). */
export function schemaVersion(db: Database.Database): number {
  return appliedMigrations(db).reduce((v, r) => Math.max(v, r.version), 0);
}

/**
 * Refuse a journal this code cannot safely read or write: one from a newer keeper, or one whose
 * recorded migrations are not the ones this code ships (a different program's database).
 */
export function checkSchema(db: Database.Database, applied: readonly AppliedRow[] = appliedMigrations(db)): number {
  const version = applied.reduce((v, r) => Math.max(v, r.version), 0);
  if (version > LATEST_SCHEMA_VERSION) {
    throw new JournalError(
      `journal ${db.name} is at schema version ${version}, newer than this keeper knows (${LATEST_SCHEMA_VERSION}); ` +
        'upgrade restake-keeper to read it',
      { file: db.name, version, known: LATEST_SCHEMA_VERSION },
    );
  }
  for (const row of applied) {
    const known = MIGRATIONS.find((m) => m.version === row.version);
    if (!known || known.name !== row.name) {
      throw new JournalError(
        `journal ${db.name} records migration ${row.version} "${row.name}", which this keeper does not have ` +
          `(expected ${known ? `"${known.name}"` : 'no such version'}); is this a restake-keeper journal?`,
        { file: db.name, version: row.version, name: row.name },
      );
    }
  }
  return version;
}

/**
 * Bring a journal up to LATEST_SCHEMA_VERSION. Idempotent. The version check and every migration run
 * under BEGIN IMMEDIATE, so two processes opening the same fresh file cannot both migrate it.
 * Returns the versions applied now (empty when already current).
 */
export function migrate(db: Database.Database, now: () => number = Date.now): number[] {
  const appliedNow: number[] = [];
  db.transaction(() => {
    db.exec(BOOTSTRAP);
    const current = checkSchema(db);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, now());
      appliedNow.push(m.version);
    }
  }).immediate();
  return appliedNow;
}
