import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadVault } from '../../config/load-vault.js';
import { JournalError } from '../../errors.js';
import { writeText } from '../../backtest/export-series.js';
import { openJournalDb } from '../../journal/open-journal.js';
import { operatorInputFromJournal } from '../../report/journal-report-data.js';
import { operatorView, valueAt } from '../../report/operator-view.js';
import { renderOperatorReport } from '../../report/render-operator.js';
import { packageVersion, projectRoot } from '../paths.js';

export interface ReportOptions {
  config: string;
  journal?: string;
  out?: string;
}

/** `restake-keeper report --journal`: the operator report from a paper or live journal, as one offline HTML file. */
export function reportCommand(o: ReportOptions, out: (l: string) => void): number {
  const v = loadVault(o.config);
  const path = o.journal ?? v.paths.journal;
  if (!existsSync(path)) throw new JournalError(`no journal at ${path} (run the keeper first, or pass --journal)`, { path });
  const db = openJournalDb(path, { readonly: true });
  let html: string;
  let view;
  try {
    const input = operatorInputFromJournal(db, { vault: v.config.name, baseAsset: v.universe.baseAsset, baseDecimals: v.universe.baseDecimals, benchmark: v.config.benchmark, codeVersion: packageVersion() });
    view = operatorView(input);
    const bench = input.benchmark ? (input.benchmark.market.length >= 2 ? input.benchmark.market : input.benchmark.fair) : [];
    html = renderOperatorReport(view, { nav: input.nav, benchmark: bench, queuedFraction: input.queued.map(([t, q]) => [t, q / (valueAt(input.nav, t) || 1)] as const) });
  } finally {
    db.close();
  }
  const file = resolve(o.out ?? join(projectRoot(), 'var', 'reports', `${v.config.name.replace(/[^\w.-]+/g, '-')}-${new Date().toISOString().replace(/[:.]/g, '-')}.html`));
  writeText(file, html);
  const p = view.period;
  out(`operator report for ${v.config.name} (${view.identity.mode}, strategy ${view.identity.strategy}) ${p ? `${new Date(p.from).toISOString().slice(0, 10)} → ${new Date(p.to).toISOString().slice(0, 10)}, ${p.cycles} cycles` : 'no cycles yet'}: ${file}`);
  return 0;
}
