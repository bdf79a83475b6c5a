import Database from 'better-sqlite3';
import { JournalError } from '../errors.js';
import { Journal } from './journal.js';
import { checkSchema, LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations.js';

export interface OpenJournalOptions {
  /**
   * Open an existing journal for reading only (the CLI): no file is created, nothing is migrated, and a
   * journal at any version other than the current one is refused.
   */
  readonly readonly?: boolean;
  /** How long a writer waits for another connection's lock before failing with SQLITE_BUSY. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** Clock for schema_migrations.applied_at (tests). */
  readonly now?: () => number;
}

/**
 * Open (creating if needed) a journal file, set the connection up and bring the schema up to date.
 *
 * - journal_mode = WAL: a commit is an append to the -wal file, so a process killed mid-transaction
 *   leaves the database at its last commit (uncommitted frames are ignored on recovery), and readers
 *   (the CLI) never block the keeper's writer.
 * - synchronous = FULL rather than NORMAL: in WAL mode NORMAL already survives a killed process, but on
 *   power loss or an OS crash it may drop the last few commits. The keeper writes an action's intent
 *   *before* acting on it; losing that row after the action went out would make a restarted keeper blind
 *   to a transaction it sent. FULL fsyncs the WAL at every commit; at a handful of commits per cycle the
 *   cost is irrelevant.
 * - foreign_keys = ON: every cycle/action/status row must point at a real parent.
 * - recursive_triggers = ON: makes INSERT OR REPLACE fire the append-only DELETE triggers instead of
 *   silently deleting the row it replaces.
 * - busy_timeout: wait for another connection's lock instead of failing at once.
 */
export function openJournalDb(path: string, options: OpenJournalOptions = {}): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, options.readonly ? { readonly: true, fileMustExist: true } : {});
  } catch (e) {
    throw new JournalError(`cannot open journal ${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
    db.pragma('recursive_triggers = ON');
    refuseCorrupt(db, path);
    if (options.readonly) {
      const version = checkSchema(db);
      if (version !== LATEST_SCHEMA_VERSION) {
        throw new JournalError(
          `journal ${path} is at schema version ${version}, this keeper expects ${LATEST_SCHEMA_VERSION}; ` +
            'open it read-write once to migrate it',
          { file: path, version, expected: LATEST_SCHEMA_VERSION },
        );
      }
      return db;
    }
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && !(db.memory && mode === 'memory')) {
      throw new JournalError(`journal ${path}: could not switch to WAL mode (got "${String(mode)}")`, { file: path, mode });
    }
    db.pragma('synchronous = FULL');
    migrate(db, options.now);
    if (schemaVersion(db) !== LATEST_SCHEMA_VERSION) {
      throw new JournalError(`journal ${path}: migration did not reach version ${LATEST_SCHEMA_VERSION}`, { file: path });
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof JournalError) throw e;
    throw new JournalError(`cannot open journal ${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
}

/** Open a journal file and wrap it in the Journal class (the JournalPort the keeper uses). */
export function openJournal(path: string, options: OpenJournalOptions = {}): Journal {
  return new Journal(openJournalDb(path, options));
}

/**
 * A damaged file is refused before anything reads or writes it: garbage over one page can leave the tables
 * it happens to miss readable, and a keeper that believed them would start from a wrong past ("nothing to
 * do"). quick_check reads every page once (O(size), at open only).
 */
function refuseCorrupt(db: Database.Database, path: string): void {
  const rows = db.pragma('quick_check(5)') as { quick_check: string }[];
  const found = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  if (found.length > 0) {
    throw new JournalError(
      `journal ${path} is corrupt (SQLite quick_check: ${found.join('; ')}); it was not changed. Restore it from a backup, or start a new journal with --fresh (the damaged file is kept aside).`,
      { file: path, problems: found },
    );
  }
}
