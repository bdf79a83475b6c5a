import { existsSync } from 'node:fs';
import { formatUnits } from '../../domain/amount.js';
import { formatTime } from '../../domain/time.js';
import { KeeperError } from '../../errors.js';
import { exportTableCsv } from '../../journal/export-csv.js';
import { openJournalDb } from '../../journal/open-journal.js';
import { cycleDetail, listCycles, listEvents } from '../../journal/queries.js';
import { redoLinks } from '../../journal/redo-journal.js';
import { JOURNAL_TABLES, isJournalTable } from '../../journal/tables.js';
import type { Severity } from '../../domain/event.js';

type Out = (l: string) => void;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function open(path: string) {
  if (!existsSync(path)) throw new KeeperError(`no journal at ${path} (run the keeper first, or pass --journal)`, { path });
  return openJournalDb(path, { readonly: true });
}

export function journalCyclesCommand(path: string, o: { limit: number; offset: number; decimals: number }, out: Out): number {
  const db = open(path);
  try {
    const rows = listCycles(db, { limit: o.limit, offset: o.offset });
    out(['cycle', 'run', 'decision time', 'status', 'last stage', 'NAV', 'actions', 'events'].join('\t'));
    for (const c of rows) {
      out([c.cycleId, c.runId, formatTime(c.decisionTime), c.endStatus ?? 'UNFINISHED', c.lastStage ?? '-', c.navBase === null ? '-' : formatUnits(c.navBase, o.decimals), c.actions, c.events].join('\t'));
    }
    return 0;
  } finally {
    db.close();
  }
}

export function journalShowCommand(path: string, cycleId: number, o: { decimals: number }, out: Out): number {
  const db = open(path);
  try {
    const d = cycleDetail(db, cycleId);
    if (!d) {
      out(`no cycle ${cycleId} in ${path}`);
      return 1;
    }
    const c = d.cycle;
    out(`cycle ${c.cycleId} (run ${c.runId}, vault ${c.vault}, ${c.mode}) decision at ${formatTime(c.decisionTime)}`);
    out(`  stages: ${c.stages.map((s) => s.stage).join(' → ')}${c.end ? ` → ${c.end.status}` : ' (unfinished)'}`);
    const link = redoLinks(db, cycleId);
    if (link.redoOf !== undefined) out(`  redo of cycle ${link.redoOf}: its interrupted decision made again at the same decision time, from the same readings`);
    if (link.redoneBy !== undefined) out(`  redone by cycle ${link.redoneBy}`);
    out(`observations (${d.observations.length}):`);
    for (const ob of d.observations.slice(0, 50)) {
      const fields = Object.entries(ob).filter(([k, v]) => !['time', 'asset', 'source'].includes(k) && v !== undefined).map(([k, v]) => `${k}=${v}`);
      out(`  ${formatTime(ob.time)} ${ob.asset} [${ob.source}] ${fields.join(' ')}`);
    }
    if (d.observations.length > 50) out(`  … ${d.observations.length - 50} more (journal export observations)`);
    out('scores:');
    for (const s of d.scores) {
      out(`  ${s.asset}: ${s.eligible ? 'eligible' : 'NOT eligible'} score ${pct(s.score)} = yield ${pct(s.expectedYield)} − loss ${pct(s.expectedLoss)} − costs; exit ${pct(s.breakdown.exitCost)} via ${s.breakdown.exitRoute}`);
      for (const l of s.breakdown.layers) if (l.expectedLoss > 0) out(`      ${l.layer}: EL ${pct(l.expectedLoss)} P ${pct(l.probability)}`);
      for (const r of s.reasons) out(`      why not: ${r}`);
    }
    if (d.decision) {
      out(`decision (${d.decision.strategy})${d.decision.halted ? ' HALTED' : ''}: ${Object.entries(d.decision.weights).filter(([, w]) => w > 1e-6).map(([k, w]) => `${k} ${pct(w)}`).join(', ')}`);
      for (const r of d.decision.rationale) out(`  - ${r}`);
    }
    out(`actions (${d.actions.length}):`);
    for (const a of d.actions) {
      out(`  #${a.actionId} ${a.kind} ${a.from}→${a.to} in ${a.amountIn} est.out ${a.expectedOut} via ${a.venue} est.cost ${formatUnits(a.estCostBase, o.decimals)}: ${a.history.map((h) => h.status).join(' → ')}`);
      for (const f of a.fills) out(`      fill in ${f.amountIn} out ${f.amountOut} cost ${formatUnits(f.costBase, o.decimals)}`);
    }
    const events = listEvents(db, { cycleId });
    out(`events (${events.length}):`);
    for (const e of events) out(`  [${e.severity}] ${e.kind}${e.asset ? ` ${e.asset}` : ''}: ${e.message}`);
    if (d.portfolio) out(`portfolio after: NAV ${formatUnits(d.portfolio.navBase, o.decimals)}; ${[...d.portfolio.portfolio.holdings].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    return 0;
  } finally {
    db.close();
  }
}

export function journalEventsCommand(path: string, o: { kind?: string; severity?: string; limit: number }, out: Out): number {
  const db = open(path);
  try {
    for (const e of listEvents(db, { kind: o.kind, severity: o.severity as Severity | undefined, limit: o.limit })) {
      out(`${formatTime(e.at)}\tcycle ${e.cycleId ?? '-'}\t${e.severity}\t${e.kind}\t${e.asset ?? ''}\t${e.message}`);
    }
    return 0;
  } finally {
    db.close();
  }
}

export async function journalExportCommand(path: string, table: string, o: { out?: string }, print: Out): Promise<number> {
  if (!isJournalTable(table)) {
    print(`unknown table "${table}" (tables: ${JOURNAL_TABLES.join(', ')})`);
    return 1;
  }
  const db = open(path);
  try {
    const n = await exportTableCsv(db, table, o.out ?? process.stdout);
    if (o.out) print(`wrote ${n} rows of ${table} to ${o.out}`);
    return 0;
  } finally {
    db.close();
  }
}
