import { join, resolve } from 'node:path';
import { loadVault } from '../../config/load-vault.js';
import { requireExistingJournal } from '../existing-journal.js';
import { openJournalDb } from '../../journal/open-journal.js';
import { journalReportModel } from '../../report/journal-report-model.js';
import type { ReportModel } from '../../report/report-model.js';
import { writeReport } from '../../report/write-report.js';
import { packageVersion, projectRoot } from '../paths.js';

export interface ReportOptions {
  config: string;
  journal?: string;
  out?: string;
}

/** `restake-keeper report --journal`: the report a backtest writes, from a paper or live journal, as one offline HTML file. */
export function reportCommand(o: ReportOptions, out: (l: string) => void): number {
  const v = loadVault(o.config);
  const path = o.journal ?? v.paths.journal;
  const db = openJournalDb(requireExistingJournal(path, 'report', v.paths.journal), { readonly: true });
  let model: ReportModel;
  try {
    model = journalReportModel(db, v, { codeVersion: packageVersion(), generatedAt: new Date().toISOString() });
  } finally {
    db.close();
  }
  const file = writeReport(model, o.out ?? join(projectRoot(), 'var', 'reports', `${v.config.name.replace(/[^\w.-]+/g, '-')}-${new Date().toISOString().replace(/[:.]/g, '-')}.html`));
  const p = model.operator?.period;
  out(`report for ${v.config.name} (${model.source}, strategy ${model.primary.name}) ${p ? `${new Date(p.from).toISOString().slice(0, 10)} → ${new Date(p.to).toISOString().slice(0, 10)}, ${p.cycles} cycles` : 'no cycles yet'}: ${resolve(file)}`);
  return 0;
}
