import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { JournalError, KeeperError } from '../errors.js';

/**
 * One keeper per journal. Two keepers on one vault would each plan and send: different actions at
 * competing nonces, each blind to the other. Every command that starts a run takes this lease first and
 * holds it until it exits.
 *
 * The lease is an exclusive SQLite lock on a small file beside the journal (`<journal>.lease`), held by an
 * open transaction for the life of the process. The operating system drops the lock when the process ends
 * however it ends — a SIGKILL included — so a crashed keeper never leaves a stale lease for an operator to
 * clear, and a restart takes it at once. A second process asking while it is held is refused at once (no
 * waiting), with the holder's pid, host, command and start time from `<journal>.lease.json`, written by
 * the holder after it took the lock.
 *
 * A path is not a file: a symlink or a hard link reaches the same journal under another name, and two
 * keepers writing one database through two names corrupt it (each keeps its own -wal file). So the lease
 * is also taken on the journal's identity (device and inode), as a lock file named by them in one
 * machine-wide directory (`$TMPDIR/restake-keeper-leases`, or RESTAKE_KEEPER_LEASE_DIR): every name of the
 * file meets at the same lock. The journal file is created (empty, which SQLite reads as a new database)
 * when it does not exist yet, so that it has an identity to lock.
 */

export interface LeaseHolder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

export class LeaseHeldError extends KeeperError {}

export class InstanceLease {
  #db: Database.Database | undefined;
  #identity: Database.Database | undefined;

  private constructor(
    db: Database.Database,
    identity: Database.Database,
    readonly path: string,
    readonly holder: LeaseHolder,
  ) {
    this.#db = db;
    this.#identity = identity;
  }

  /** Takes the lease on `journalPath` for `command`, or throws LeaseHeldError naming who holds it. */
  static acquire(journalPath: string, command: string, now: number = Date.now()): InstanceLease {
    const holder: LeaseHolder = { pid: process.pid, host: hostname(), command, since: new Date(now).toISOString() };
    const path = `${journalPath}.lease`;
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw new JournalError(`cannot create the journal's directory ${dirname(path)}: ${(e as Error).message}`, { journal: journalPath });
    }
    const byPath = lockFile(path, journalPath, holder);
    let byIdentity: Database.Database;
    try {
      byIdentity = lockFile(identityLeasePath(journalPath), journalPath, holder);
    } catch (e) {
      release(byPath);
      throw e;
    }
    return new InstanceLease(byPath, byIdentity, path, holder);
  }

  /**
   * After the journal was moved aside (run --fresh), lock the identity of the new file at the same path,
   * then let the old one go.
   */
  adoptNewFile(journalPath: string): void {
    const next = lockFile(identityLeasePath(journalPath), journalPath, this.holder);
    if (this.#identity) release(this.#identity);
    this.#identity = next;
  }

  get held(): boolean {
    return this.#db !== undefined;
  }

  /** Gives the lease up (idempotent). Exiting the process does the same. */
  release(): void {
    const db = this.#db;
    if (!db) return;
    this.#db = undefined;
    const identity = this.#identity;
    this.#identity = undefined;
    try {
      if (identity) release(identity);
    } finally {
      release(db);
    }
  }
}

/** The machine-wide lock file for the journal's device and inode (the file is created if missing). */
export function identityLeasePath(journalPath: string): string {
  let st;
  try {
    closeSync(openSync(journalPath, 'a'));
    st = statSync(journalPath);
  } catch (e) {
    throw new JournalError(`cannot create or read the journal ${journalPath}: ${(e as Error).message}`, { journal: journalPath });
  }
  if (!st.isFile()) throw new JournalError(`the journal path ${journalPath} is not a regular file`, { journal: journalPath });
  const dir = process.env.RESTAKE_KEEPER_LEASE_DIR ?? join(tmpdir(), 'restake-keeper-leases');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o1777 });
  } catch (e) {
    throw new JournalError(`cannot create the lease directory ${dir}: ${(e as Error).message}`, { dir });
  }
  return join(dir, `${st.dev}-${st.ino}.lease`);
}

/** An exclusive lock on `path` held by an open transaction, or LeaseHeldError naming the holder. */
function lockFile(path: string, journalPath: string, holder: LeaseHolder): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0 });
  } catch (e) {
    throw new JournalError(`cannot create the keeper lease ${path} for journal ${journalPath}: ${(e as Error).message}`, { path, journal: journalPath });
  }
  try {
    // Rollback-journal mode: BEGIN EXCLUSIVE takes the file's exclusive lock at once (in WAL it would not).
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code === 'SQLITE_BUSY' || (e as { code?: string }).code === 'SQLITE_LOCKED') {
      const h = readHolder(path);
      const who = h ? `pid ${h.pid} on ${h.host}, "${h.command}", since ${h.since}` : 'a process that has not said who it is';
      throw new LeaseHeldError(`another keeper is running on journal ${journalPath}${h?.journal && h.journal !== journalPath ? ` (the same file as ${h.journal})` : ''} (${who}); one keeper per journal — stop it first, or use another --journal`, {
        journal: journalPath,
        holder: h,
      });
    }
    throw new JournalError(`cannot take the keeper lease ${path}: ${(e as Error).message}`, { path });
  }
  try {
    writeFileSync(`${path}.json`, `${JSON.stringify({ ...holder, journal: journalPath })}\n`);
  } catch {
    // who holds it is a courtesy for the next taker's message; the lock itself is what counts
  }
  return db;
}

function release(db: Database.Database): void {
  try {
    db.exec('ROLLBACK');
  } finally {
    db.close();
  }
}

function readHolder(path: string): (LeaseHolder & { journal?: string }) | undefined {
  try {
    const h = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as Partial<LeaseHolder & { journal: string }>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.command === 'string' && typeof h.since === 'string' ? (h as LeaseHolder & { journal?: string }) : undefined;
  } catch {
    return undefined;
  }
}
