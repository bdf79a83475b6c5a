import { formatTime, parseTime } from '../../domain/time.js';
import { writeText } from '../../backtest/export-series.js';
import { requireExistingJournal } from '../existing-journal.js';
import { openJournalDb } from '../../journal/open-journal.js';
import { observationsBetween } from '../../journal/queries.js';
import type { Observation } from '../../domain/observation.js';
import { HISTORY_FORMAT_VERSION, HISTORY_HEADER } from '../../sources/recorded/history-columns.js';
import { formatHistoryRow } from '../../sources/recorded/history-row-format.js';

export interface ExportOptions {
  journal: string;
  vault?: string;
  chain?: string;
  baseAsset?: string;
  from?: string;
  to?: string;
  out: string;
}

/**
 * `restake-keeper export`: the readings a recorder (or a live keeper) journaled, written in the
 * recorded-history format, so a user's own recordings replay and backtest like the bundled history.
 * Written with the format's own writer, so the reader always accepts the result.
 */
export function exportHistoryCommand(o: ExportOptions, out: (l: string) => void): number {
  const db = openJournalDb(requireExistingJournal(o.journal, 'export'), { readonly: true });
  try {
    const rows = toWholeSeconds(observationsBetween(db, { vault: o.vault, from: o.from ? parseTime(o.from) : undefined, to: o.to ? parseTime(o.to) : undefined }));
    const base = o.baseAsset ?? 'the base asset';
    const lines = [
      `# restake-keeper recorded history, format version ${HISTORY_FORMAT_VERSION} (see history/FORMAT.md). Exported from journal ${o.journal}${o.vault ? `, vault ${o.vault}` : ''}${o.chain ? `, chain ${o.chain}` : ''} at ${new Date().toISOString()}.`,
      `# Units: rates = ${base} per 1 whole token; apy_* = annual fractions; supply_index dimensionless; tvl_base, exit_liquidity_base, exit_size_base = whole ${base}; exit_impact = fraction; redemption_delay_s = seconds. Empty = not recorded.`,
      HISTORY_HEADER,
      ...rows.map(formatHistoryRow),
    ];
    writeText(o.out, `${lines.join('\n')}\n`);
    const first = rows[0];
    const last = rows[rows.length - 1];
    out(`wrote ${rows.length} readings to ${o.out}${first && last ? ` (${formatTime(first.time)} → ${formatTime(last.time)}, ${new Set(rows.map((r) => r.asset)).size} assets)` : ''}`);
    return 0;
  } finally {
    db.close();
  }
}

/**
 * The history format keeps whole seconds; a recorder samples at wall-clock time, with milliseconds. Each
 * reading is placed at the second it was taken in (floored, so never later than it was read), and of
 * two readings of one asset from one source within the same second the later is kept.
 */
export function toWholeSeconds(rows: readonly Observation[]): Observation[] {
  const out: Observation[] = [];
  const at = new Map<string, number>();
  for (const r of rows) {
    const time = Math.floor(r.time / 1000) * 1000;
    const key = `${time}|${r.asset}|${r.source}`;
    const o = { ...r, time };
    const i = at.get(key);
    if (i === undefined) {
      at.set(key, out.length);
      out.push(o);
    } else out[i] = o;
  }
  return out;
}
