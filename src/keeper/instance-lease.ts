import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { KeeperError } from '../errors.js';

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

  private constructor(
    db: Database.Database,
    readonly path: string,
    readonly holder: LeaseHolder,
  ) {
    this.#db = db;
  }

  /** Takes the lease on `journalPath` for `command`, or throws LeaseHeldError naming who holds it. */
  static acquire(journalPath: string, command: string, now: number = Date.now()): InstanceLease {
    const path = `${journalPath}.lease`;
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: 0 });
    try {
      // Rollback-journal mode: BEGIN EXCLUSIVE takes the file's exclusive lock at once (in WAL it would not).
      db.pragma('journal_mode = DELETE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (e) {
      db.close();
      if ((e as { code?: string }).code === 'SQLITE_BUSY' || (e as { code?: string }).code === 'SQLITE_LOCKED') {
        const h = readHolder(path);
        const who = h ? `pid ${h.pid} on ${h.host}, "${h.command}", since ${h.since}` : 'a process that has not said who it is';
        throw new LeaseHeldError(`another keeper is running on journal ${journalPath} (${who}); one keeper per journal — stop it first, or use another --journal`, {
          journal: journalPath,
          holder: h,
        });
      }
      throw new KeeperError(`cannot take the keeper lease ${path}: ${(e as Error).message}`, { path });
    }
    const holder: LeaseHolder = { pid: process.pid, host: hostname(), command, since: new Date(now).toISOString() };
    writeFileSync(`${path}.json`, `${JSON.stringify(holder)}\n`);
    return new InstanceLease(db, path, holder);
  }

  get held(): boolean {
    return this.#db !== undefined;
  }

  /** Gives the lease up (idempotent). Exiting the process does the same. */
  release(): void {
    const db = this.#db;
    if (!db) return;
    this.#db = undefined;
    try {
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  }
}

function readHolder(path: string): LeaseHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as Partial<LeaseHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.command === 'string' && typeof h.since === 'string' ? (h as LeaseHolder) : undefined;
  } catch {
    return undefined;
  }
}
