import { requireExistingJournal } from '../existing-journal.js';
import { base, jsonLine, of, type Units } from '../journal-units.js';
import { formatTime } from '../../domain/time.js';
import { exportTableCsv } from '../../journal/export-csv.js';
import { openJournalDb } from '../../journal/open-journal.js';
import { cycleDetail, listCycles, listEvents } from '../../journal/queries.js';
import { redoLinks } from '../../journal/redo-journal.js';
import { JOURNAL_TABLES, isJournalTable } from '../../journal/tables.js';
import type { Severity } from '../../domain/event.js';

type Out = (l: string) => void;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function open(path: string) {
  return openJournalDb(requireExistingJournal(path, 'journal'), { readonly: true });
}

export function journalCyclesCommand(path: string, o: { limit: number; offset: number; units: Units; json?: boolean }, out: Out): number {
  const db = open(path);
  try {
    const rows = listCycles(db, { limit: o.limit, offset: o.offset });
    if (o.json) {
      for (const c of rows) out(jsonLine({ ...c, decisionTime: formatTime(c.decisionTime), startedAt: formatTime(c.startedAt), endedAt: c.endedAt === null ? null : formatTime(c.endedAt) }));
      return 0;
    }
    out(['cycle', 'run', 'decision time', 'status', 'last stage', 'NAV', 'actions', 'events'].join('\t'));
    for (const c of rows) {
      // A cycle that failed closed journals no portfolio: its NAV is unknown, never the part that was valued.
      const nav = c.navBase === null ? (c.endStatus === 'failed' ? 'unknown' : '-') : base(o.units, c.navBase);
      out([c.cycleId, c.runId, formatTime(c.decisionTime), c.endStatus ?? 'UNFINISHED', c.lastStage ?? '-', nav, c.actions, c.events].join('\t'));
    }
    return 0;
  } finally {
    db.close();
  }
}

export function journalShowCommand(path: string, cycleId: number, o: { units: Units; json?: boolean }, out: Out): number {
  const db = open(path);
  try {
    const d = cycleDetail(db, cycleId);
    if (!d) {
      out(`no cycle ${cycleId} in ${path}`);
      return 1;
    }
    if (o.json) {
      out(jsonLine(d));
      return 0;
    }
    const u = o.units;
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
      const inAsset = a.kind === 'redeem-claim' ? u.baseAsset : a.from;
      out(`  #${a.actionId} ${a.kind} ${a.from}→${a.to} in ${of(u, inAsset, a.amountIn)} est.out ${of(u, a.to, a.expectedOut)} via ${a.venue} est.cost ${base(u, a.estCostBase, 6)}: ${a.history.map((h) => h.status).join(' → ')}`);
      for (const f of a.fills) out(`      fill in ${of(u, inAsset, f.amountIn)} out ${of(u, a.to, f.amountOut)} cost ${base(u, f.costBase, 6)}`);
    }
    const events = listEvents(db, { cycleId });
    out(`events (${events.length}):`);
    for (const e of events) out(`  [${e.severity}] ${e.kind}${e.asset ? ` ${e.asset}` : ''}: ${e.message}`);
    if (d.portfolio) {
      const p = d.portfolio.portfolio;
      out(`portfolio after: NAV ${base(u, d.portfolio.navBase)}; ${[...p.holdings].filter(([, v]) => v > 0n).map(([k, v]) => of(u, k, v)).join(', ') || 'nothing held'}`);
      // Money waiting in a redemption queue is the vault's too: shown with what it will pay and when.
      for (const r of p.pending) out(`  queued: ${of(u, r.asset, r.amountIn)} → ${base(u, r.expectedBase)} expected, claimable ${formatTime(r.claimableAt)}`);
    } else if (c.end?.status === 'failed') out('portfolio after: NAV unknown (the cycle failed closed: not everything could be read)');
    return 0;
  } finally {
    db.close();
  }
}

export function journalEventsCommand(path: string, o: { kind?: string; severity?: string; limit: number; json?: boolean }, out: Out): number {
  const db = open(path);
  try {
    for (const e of listEvents(db, { kind: o.kind, severity: o.severity as Severity | undefined, limit: o.limit })) {
      if (o.json) {
        out(jsonLine({ ...e, at: formatTime(e.at) }));
        continue;
      }
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
