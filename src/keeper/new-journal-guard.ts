import Database from 'better-sqlite3';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { JournalError } from '../errors.js';
import { VaultIndex, type Warn } from '../journal/vault-index.js';
import type { VaultIdentity } from './vault-identity.js';

/**
 * The general rule behind a mistyped journal path: a new journal starts a vault over from its initial
 * holdings, so a run that continues a real vault (vault-identity.ts: continuesRealVault) is refused a path
 * where no journal is yet while the vault index knows a live journal of the same vault anywhere else, in
 * any directory, under any name, however the path was spelled (relative from another directory included).
 * `--fresh` starts the new journal on purpose. A known journal counts as live when its file still exists,
 * is not empty, and its runs are this vault's; one whose file is gone (moved, deleted) or empty is pruned
 * from the index, never an error. A file that exists but cannot be read neither blocks nor is forgotten.
 */
export function refuseNewJournalElsewhere(id: VaultIdentity, journalPath: string, o: { fresh?: boolean | undefined; warn: Warn; env?: NodeJS.ProcessEnv | undefined }): void {
  if (o.fresh || !isNewJournal(journalPath)) return;
  const target = canonical(journalPath);
  const index = VaultIndex.load(o);
  const gone: string[] = [];
  const live: string[] = [];
  for (const j of index.journalsOf(id.key)) {
    if (j.path === target) continue;
    const state = journalState(j.path, j.vault);
    if (state === 'live') live.push(j.path);
    else if (state === 'gone') gone.push(j.path);
  }
  index.forget(id.key, gone);
  if (live.length === 0) return;
  const others = live.length > 1 ? ` (and ${live.length - 1} other${live.length > 2 ? 's' : ''}: ${live.slice(1).join(', ')})` : '';
  throw new JournalError(
    `no journal at ${target}, but ${id.describe} already has one at ${live[0]}${others}, known from the vault index ${index.file}; ` +
      `a new journal would start the vault over from its initial holdings. Fix --journal (or the config's journal path), or pass --fresh to start a new journal there on purpose.`,
    { journal: target, existing: live[0], index: index.file },
  );
}

/** Records that the vault's journal is at `journalPath` (call once the journal is open, so the file exists). */
export function rememberJournal(id: VaultIdentity, journalPath: string, o: { warn: Warn; env?: NodeJS.ProcessEnv | undefined }): void {
  const index = VaultIndex.load(o);
  const path = canonical(journalPath);
  // A journal moved here leaves its old path behind: forget the vault's journals whose file is gone.
  index.forget(id.key, index.journalsOf(id.key).filter((j) => j.path !== path && !existsSync(j.path)).map((j) => j.path));
  index.remember(id.key, id.vault, path);
}

function isNewJournal(path: string): boolean {
  return !existsSync(path) || statSync(path).size === 0;
}

/** One spelling per file: absolute, symlinks resolved (for a file not made yet, its directory's). */
function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

function journalState(path: string, vault: string): 'live' | 'gone' | 'unknown' {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'gone' : 'unknown';
  }
  if (!st.isFile() || st.size === 0) return 'gone';
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const holds = db.prepare("SELECT 1 FROM runs WHERE vault = ? AND mode <> 'record' LIMIT 1").get(vault) !== undefined;
      return holds ? 'live' : 'gone';
    } finally {
      db.close();
    }
  } catch {
    return 'unknown';
  }
}
