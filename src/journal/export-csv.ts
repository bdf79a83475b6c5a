import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type Database from 'better-sqlite3';
import { JournalError } from '../errors.js';
import { isJournalTable, JOURNAL_TABLES, type JournalTable } from './tables.js';
import { exportRedactor } from './export-redaction.js';

/**
 * Write one journal table as RFC 4180 CSV: a header of column names, then one record per row in
 * insertion order, CRLF line ends. Money is already decimal TEXT in the table, so it is exported
 * exactly; JSON cells are exported as their text (config and message cells redacted, see export-redaction.ts).
 */

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV field. NULL is an empty field; text with a comma, quote, CR/LF or edge whitespace is quoted, quotes doubled. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'bigint') text = String(value);
  else if (Buffer.isBuffer(value)) text = value.toString('hex');
  else text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

const PAGE = 500;

async function writeChunk(out: Writable | NodeJS.WritableStream, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out as Writable, 'drain');
}

async function writeTable(db: Database.Database, table: JournalTable, out: Writable | NodeJS.WritableStream): Promise<number> {
  // `table` is one of JOURNAL_TABLES here (checked by the caller), never user text; still quoted.
  const ident = `"${table}"`;
  const columns = db
    .prepare(`SELECT * FROM ${ident} LIMIT 0`)
    .columns()
    .map((c) => c.name);
  // Export the table as of now: rows appended while we page through are left out, so the file is a
  // consistent prefix of an append-only table.
  const maxRowid = (db.prepare(`SELECT COALESCE(MAX(rowid), 0) AS m FROM ${ident}`).get() as { m: number }).m;
  const page = db.prepare<[number, number, number], unknown[]>(
    `SELECT rowid, * FROM ${ident} WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?`,
  );
  page.raw(true);
  // Config and message columns pass through the redactor: journals written before redaction landed export redacted too.
  const redact = exportRedactor(table, columns);
  await writeChunk(out, csvRecord(columns));
  let after = 0;
  let count = 0;
  for (;;) {
    const rows = page.all(after, maxRowid, PAGE);
    if (rows.length === 0) break;
    let chunk = '';
    for (const row of rows) {
      after = row[0] as number;
      chunk += csvRecord(redact ? redact(row.slice(1)) : row.slice(1));
    }
    count += rows.length;
    await writeChunk(out, chunk);
  }
  return count;
}

/**
 * Export `table` to a stream (left open: the caller owns it, e.g. stdout) or to a file path (created or
 * truncated, closed when done). Resolves with the number of data rows written. Rejects with a
 * JournalError for a name that is not a journal table.
 */
export async function exportTableCsv(
  db: Database.Database,
  table: string,
  out: Writable | NodeJS.WritableStream | string,
): Promise<number> {
  if (!isJournalTable(table)) {
    throw new JournalError(`unknown journal table "${table}" (expected one of ${JOURNAL_TABLES.join(', ')})`, { table });
  }
  if (typeof out !== 'string') return writeTable(db, table, out);
  const file = createWriteStream(out);
  try {
    await once(file, 'open');
    const count = await writeTable(db, table, file);
    file.end();
    await once(file, 'close');
    return count;
  } catch (e) {
    file.destroy();
    if (e instanceof JournalError) throw e;
    throw new JournalError(`cannot export ${table} to ${out}: ${(e as Error).message}`, { table, file: out, cause: e });
  }
}
