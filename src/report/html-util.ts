import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The report page's building blocks: escaping, safe JSON in a script element, the inlined Chart.js, number formats. */

/** Nothing may be fetched: inline scripts and styles only, images only as data: URLs. */
export const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** Escape text for HTML element content and attribute values. */
export function esc(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESC[c] as string);
}
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** JSON that is safe inside a <script> element: no `</script`, no `<!--`, no line separators JSON allows but old JS does not. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

let chartJsCache: string | undefined;

/** Chart.js's UMD build, read once from node_modules. Its package exports only module entry points, so the file is found next to the CJS one. */
export function chartJsSource(): string {
  if (chartJsCache !== undefined) return chartJsCache;
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('chart.js')), 'chart.umd.js');
  let src: string;
  try {
    src = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read Chart.js UMD build at ${file} (is the chart.js@4 dependency installed?): ${(e as Error).message}`);
  }
  // The source map is not shipped with the report; a reference to it would only make devtools look for a file.
  src = src.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  // Inside a <script> element the parser ends at "</script" and treats "<!--" specially; neither occurs in the
  // minified build, but escape them so a future build cannot break the page (both only occur in string literals).
  src = src.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  chartJsCache = src;
  return src;
}

// Fractions become percents only here and in the page script.
export function pct(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const v = x * 100;
  // Avoid "-0.00%".
  const s = Math.abs(v) < 0.5 * 10 ** -digits ? (0).toFixed(digits) : v.toFixed(digits);
  return `${s}%`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function fmtTime(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? day : `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

export function fmtDays(ms: number): string {
  const days = ms / 86_400_000;
  return Number.isFinite(days) ? `${days >= 10 ? Math.round(days) : days.toFixed(1)} days` : '—';
}

export function numCell(text: string, cls = ''): string {
  const na = text === '—' ? ' na' : '';
  return `<td class="num${cls ? ` ${cls}` : ''}${na}">${esc(text)}</td>`;
}


/** A measured fraction as a percent, or "not measurable" (never 0 %) where the data cannot say. */
export function measuredPct(x: number | 'not measurable' | null | undefined, digits = 2): string {
  return typeof x === 'number' && Number.isFinite(x) ? pct(x, digits) : '<span class="na">not measurable</span>';
}
