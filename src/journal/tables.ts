import type { CycleEndStatus } from './journal-port.js';

/**
 * The journal's tables, in dependency order. This list is the only way a table name reaches SQL from
 * outside this module (CSV export, CLI): user text is checked against it, never interpolated.
 */
export const JOURNAL_TABLES = [
  'schema_migrations',
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
  'transactions',
  'transaction_status',
  'cycle_redos',
  'action_holdings',
  'proposals',
  'proposal_status',
] as const;
export type JournalTable = (typeof JOURNAL_TABLES)[number];

export function isJournalTable(name: string): name is JournalTable {
  return (JOURNAL_TABLES as readonly string[]).includes(name);
}

/** How a cycle ends. A cycle with no end row is unfinished (the process died or is still running it). */
export const CYCLE_END_STATUSES: readonly CycleEndStatus[] = ['completed', 'halted', 'failed', 'interrupted'];
