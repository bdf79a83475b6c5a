import { redactDeep, redactValue } from '../redact.js';
import type { JournalTable } from './tables.js';

/**
 * Which exported columns carry configuration or free text (messages, error details, reasons), and so may
 * hold a secret that a journal written before redaction landed kept in plain text: an RPC URL with
 * credentials in `runs.config_json`, a key pasted into a config field and echoed in an error. Only these
 * pass through the redactor on export. Identity columns (tx hashes, config hashes, calldata, signed
 * transactions) are left whole: a 32-byte hash has the shape of a key, and redacting it would make the
 * export useless for reconciling against the chain.
 */
const TEXT_COLUMNS: Partial<Record<JournalTable, readonly string[]>> = {
  actions: ['reason'],
  events: ['message'],
  transactions: ['description'],
};
const JSON_COLUMNS: Partial<Record<JournalTable, readonly string[]>> = {
  runs: ['config_json'],
  cycle_ends: ['summary_json'],
  action_status: ['detail_json'],
  fills: ['detail_json'],
  events: ['data_json'],
  transactions: ['meta_json'],
  transaction_status: ['detail_json'],
  proposals: ['payload_json', 'description_json'],
  proposal_status: ['detail_json'],
};

// A field named for a hash (txHash, blockHash, configHash, hash) holding exactly a 32-byte hex value is
// an identifier the operator needs, not a key.
const HASH_KEY = /hash$/i;
const HASH_VALUE = /^0x[0-9a-fA-F]{64}$/;

function redactJson(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return redactValue(text);
  }
  const redacted = JSON.stringify(keepHashes(value, redactDeep(value)));
  // Unchanged rows keep their exact text (number spelling, key order) as journaled.
  return redacted === JSON.stringify(value) ? text : redacted;
}

/** The redacted copy, with hash-named fields that hold a hash restored from the original. */
function keepHashes(orig: unknown, red: unknown): unknown {
  if (Array.isArray(orig) && Array.isArray(red)) return red.map((x, i) => keepHashes(orig[i], x));
  if (orig === null || typeof orig !== 'object' || red === null || typeof red !== 'object') return red;
  const o = orig as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(red as Record<string, unknown>)) {
    out[k] = HASH_KEY.test(k) && typeof o[k] === 'string' && HASH_VALUE.test(o[k] as string) ? o[k] : keepHashes(o[k], v);
  }
  return out;
}

/** A function that redacts one exported row (values in `columns` order), or undefined when the table carries no free text. */
export function exportRedactor(table: JournalTable, columns: readonly string[]): ((row: unknown[]) => unknown[]) | undefined {
  const text = new Set(TEXT_COLUMNS[table] ?? []);
  const json = new Set(JSON_COLUMNS[table] ?? []);
  const at = columns.map((c) => (json.has(c) ? 'json' : text.has(c) ? 'text' : undefined));
  if (!at.some(Boolean)) return undefined;
  return (row) => row.map((v, i) => (typeof v !== 'string' ? v : at[i] === 'json' ? redactJson(v) : at[i] === 'text' ? redactValue(v) : v));
}
