import { existsSync, renameSync, statSync } from 'node:fs';
import type { InstanceLease } from '../keeper/instance-lease.js';

/**
 * --fresh over an existing journal: the journal (with its -wal and -shm) is renamed aside, never deleted,
 * and the lease follows the new file. Call with the lease held, so a journal another keeper is writing is
 * never moved. Returns the name it was kept under, if there was one.
 */
export function moveJournalAside(path: string, lease: InstanceLease): string | undefined {
  if (!existsSync(path) || statSync(path).size === 0) return undefined;
  const aside = `${path}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
  for (const ext of ['', '-wal', '-shm']) if (existsSync(path + ext)) renameSync(path + ext, aside + ext);
  lease.adoptNewFile(path);
  return aside;
}
