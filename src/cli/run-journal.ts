import { existsSync, renameSync, statSync } from 'node:fs';
import type { Journal } from '../journal/journal.js';
import { InstanceLease } from '../keeper/instance-lease.js';
import { refuseNewJournalElsewhere, rememberJournal } from '../keeper/new-journal-guard.js';
import { indexedIdentity, type RunExecutor } from '../keeper/vault-identity.js';
import { guardNewJournalPath } from './journal-path-guard.js';
import { openVaultJournal, type Prepared } from './prepare.js';

/**
 * The journal `run` and `once` write (either feed), opened in the one safe order: the checks that a new
 * path is meant (the nearby-typo check; for a vault that exists outside its journal, the vault index:
 * keeper/vault-identity.ts says which), then the lease, then --fresh moving an existing journal aside
 * (under the lease, so never one another keeper is writing), then the journal, which the index then
 * remembers.
 */
export function openRunJournal(
  p: Prepared,
  o: { command: string; feed: 'live' | 'recorded'; executor: RunExecutor; explicitJournal: boolean; fresh?: boolean | undefined },
  out: (line: string) => void,
): Journal {
  guardNewJournalPath(p.vault, p.journalPath, o.explicitJournal, o.fresh);
  const identity = indexedIdentity(p.vault.config, o.feed, o.executor);
  const warn = (m: string) => p.log.warn(m);
  if (identity) refuseNewJournalElsewhere(identity, p.journalPath, { fresh: o.fresh, warn });
  const lease = InstanceLease.acquire(p.journalPath, o.command);
  try {
    const aside = o.fresh ? moveJournalAside(p.journalPath, lease) : undefined;
    if (aside) out(`kept the previous journal as ${aside}`);
  } catch (e) {
    lease.release();
    throw e;
  }
  const journal = openVaultJournal(p.journalPath, o.command, lease);
  if (identity) rememberJournal(identity, p.journalPath, { warn });
  return journal;
}

/** The journal (with its -wal and -shm) renamed aside, never deleted; the lease follows the new file. */
function moveJournalAside(path: string, lease: InstanceLease): string | undefined {
  if (!existsSync(path) || statSync(path).size === 0) return undefined;
  const aside = `${path}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
  for (const ext of ['', '-wal', '-shm']) if (existsSync(path + ext)) renameSync(path + ext, aside + ext);
  lease.adoptNewFile(path);
  return aside;
}
