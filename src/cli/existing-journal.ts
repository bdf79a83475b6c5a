import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { closest } from '../config/did-you-mean.js';
import { JournalError } from '../errors.js';

const JOURNAL_FILE = /\.(sqlite3?|db)$/;

/**
 * Commands that read or amend a journal (journal …, report, export, evm status/cancel/resume) need one that
 * exists: opening a mistyped path would create an empty journal (and a lease beside it) and then report
 * "nothing here", or journal an operator's act where no keeper will ever read it. Refuses before anything
 * touches the disk, naming the path and the nearest existing journal beside it (or the config's own).
 * Returns the resolved path.
 */
export function requireExistingJournal(path: string, command: string, configJournal?: string): string {
  const target = resolve(path);
  let size: number | undefined;
  try {
    const s = statSync(target);
    size = s.isFile() ? s.size : -1;
  } catch {
    size = undefined;
  }
  if (size !== undefined && size > 0) return target;
  const what = size === undefined ? `no journal at ${target}` : size === 0 ? `${target} is empty, not a journal` : `${target} is not a file`;
  const near = nearest(target, configJournal);
  throw new JournalError(`${what}: ${command} reads an existing journal and never creates one${near ? ` (did you mean ${near}?)` : ' (check --journal, or run the keeper first)'}`, { journal: target, ...(near ? { nearest: near } : {}) });
}

function nearest(target: string, configJournal: string | undefined): string | undefined {
  const beside: string[] = [];
  try {
    for (const f of readdirSync(dirname(target))) if (JOURNAL_FILE.test(f) && isJournal(join(dirname(target), f))) beside.push(f);
  } catch {
    // no such directory: nothing beside it
  }
  const best = closest(basename(target), beside);
  if (best !== undefined) return join(dirname(target), best);
  const own = configJournal === undefined ? undefined : resolve(configJournal);
  if (own !== undefined && own !== target && isJournal(own)) return own;
  return beside.length === 1 ? join(dirname(target), beside[0] as string) : undefined;
}

function isJournal(file: string): boolean {
  try {
    const s = statSync(file);
    return s.isFile() && s.size > 0;
  } catch {
    return false;
  }
}
