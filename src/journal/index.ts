export type { CycleEndStatus, JournalPort, LatestPortfolio, NewTransaction, StatusRow, TransactionJournal, TransactionRecord, TxKind, UnfinishedCycle } from './journal-port.js';
export { Journal } from './journal.js';
export { openJournal, openJournalDb, type OpenJournalOptions } from './open-journal.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion, type Migration } from './migrations.js';
export { CYCLE_END_STATUSES, JOURNAL_TABLES, isJournalTable, type JournalTable } from './tables.js';
export {
  TERMINAL_STATUSES,
  TX_STATUSES,
  TX_TERMINAL_STATUSES,
  allowedNext,
  allowedTxNext,
  canFill,
  canTransition,
  canTxTransition,
  isTerminal,
  isTxTerminal,
  type TxStatus,
} from './transitions.js';
export { bigintReplacer } from './codec.js';
export {
  cycleDetail,
  listCycles,
  listEvents,
  type ActionRecord,
  type CycleDetail,
  type CycleSummary,
  type EventRecord,
  type ScoreBreakdown,
  type ScoreRecord,
} from './queries.js';
export { csvField, csvRecord, exportTableCsv } from './export-csv.js';
export type { ExecutedAction, PendingRedo, RedoJournal } from './redo-port.js';
export { SqliteRedoJournal, redoLinks } from './redo-journal.js';
