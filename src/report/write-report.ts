import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ReportModel } from './report-model.js';
import { renderReport } from './render-report.js';

/** Render the report and write it to `path`, creating the directory if needed. Returns the absolute path written. */
export function writeReport(model: ReportModel, path: string): string {
  const file = resolve(path);
  const html = renderReport(model);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, html, 'utf8');
  return file;
}
