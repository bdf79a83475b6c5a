import Database from 'better-sqlite3';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { closest } from '../config/did-you-mean.js';
import type { LoadedVault } from '../config/load-vault.js';
import { JournalError } from '../errors.js';

/**
 * A new journal starts the vault over from its initial holdings. When `--journal` names a file that does
 * not exist while this vault already journals next to it (same directory) or under a name one typo away,
 * the path is far more likely mistyped than meant: refuse, name the journal that exists, and ask for
 * --fresh to start over on purpose.
 */
export function guardNewJournalPath(vault: LoadedVault, journalPath: string, explicit: boolean, fresh: boolean | undefined): void {
  if (!explicit || fresh) return;
  const target = resolve(journalPath);
  if (existsSync(target) && statSync(target).size > 0) return;
  const existing = candidates(vault, target).filter((f) => holdsVault(f, vault.config.name));
  if (existing.length === 0) return;
  const best = closest(basename(target), existing.map((f) => basename(f)));
  const named = existing.find((f) => basename(f) === best) ?? existing[0];
  throw new JournalError(
    `no journal at ${target}, but vault ${vault.config.name} already has one at ${named}; a new journal would start the vault over from its initial holdings. ` +
      `Fix --journal, or pass --fresh to start a new journal there on purpose.`,
    { journal: target, existing: named },
  );
}

function candidates(vault: LoadedVault, target: string): string[] {
  const out = new Set<string>();
  const own = resolve(vault.paths.journal);
  // The config's own journal counts only when the new name is one typo from it: a different file name is
  // deliberate, and so is the same name in another directory (a replay's copy; live vaults are held by the vault index).
  const typo = basename(target) !== basename(own) && closest(basename(target), [basename(own)]) !== undefined;
  if (own !== target && existsSync(own) && (dirname(own) === dirname(target) || typo)) out.add(own);
  try {
    for (const f of readdirSync(dirname(target))) {
      const p = join(dirname(target), f);
      if (p !== target && /\.(sqlite3?|db)$/.test(f)) out.add(p);
    }
  } catch {
    // no such directory yet: nothing beside it
  }
  return [...out];
}

function holdsVault(file: string, vault: string): boolean {
  try {
    if (!statSync(file).isFile() || statSync(file).size === 0) return false;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare("SELECT 1 FROM runs WHERE vault = ? AND mode <> 'record' LIMIT 1").get(vault) !== undefined;
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}
