import { ConfigError, type Issue } from '../errors.js';
import { parseStrategyParams } from '../strategy/load-strategy.js';
import type { Strategy } from '../strategy/strategy.js';

/**
 * Parameter grids for sweeps. A grid is a list of axis specs, one per strategy param:
 *
 *   riskAversion=0.5,1,2            a list; each value is read as JSON when it parses (numbers,
 *                                   booleans), else as a string — the same rule as `--param k=v`
 *   turnoverPenalty=0:0.004:0.002   start:stop:step, both ends inclusive (0, 0.002, 0.004)
 *
 * The grid is the cartesian product of the axes in the order given, the last axis varying fastest
 * (nested loops), so the same specs always give the same combinations in the same order. Pure.
 */

export interface GridAxis {
  readonly key: string;
  readonly values: readonly unknown[];
}

export interface ParamCombo<P = unknown> {
  /** Position in the grid (the deterministic order). */
  readonly index: number;
  /** Only the swept keys and their values, e.g. { riskAversion: 0.5, turnoverPenalty: 0 }. */
  readonly swept: Readonly<Record<string, unknown>>;
  /** The full params after the strategy's schema (defaults filled in). */
  readonly params: P;
  /** "riskAversion=0.5 turnoverPenalty=0" */
  readonly label: string;
}

/** Largest number of values one range axis may expand to (a typo in the step should not hang a sweep). */
export const MAX_AXIS_VALUES = 10_000;
/** Largest number of combinations a grid may expand to. */
export const MAX_COMBINATIONS = 100_000;

const WHERE = '--grid';
const RANGE_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function fail(issues: Issue[]): never {
  throw new ConfigError(WHERE, issues);
}

function readValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Decimal places a plain decimal literal is written with ("0.004" → 3, "1e-3" → 3, "5" → 0). */
function decimalsOf(text: string): number {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return 0;
  const frac = (m[2] ?? '').length;
  const exp = m[3] ? Number(m[3]) : 0;
  return Math.max(0, frac - exp);
}

/**
 * start:stop:step, inclusive of both ends when stop is on the grid. Floating-point safe: the i-th value
 * is start + i·step rounded to the decimals the three numbers are written with (so 0:0.3:0.1 gives
 * 0, 0.1, 0.2, 0.3 — not 0.30000000000000004 and not missing the end).
 */
export function expandRange(key: string, text: string): number[] {
  const parts = text.split(':');
  const bad = (expected: string): never => fail([{ where: `${WHERE} ${key}`, value: text, expected }]);
  if (parts.length !== 3) bad('start:stop:step (three numbers, e.g. 0:0.004:0.002)');
  for (const p of parts) if (!RANGE_NUMBER.test(p.trim())) bad(`start:stop:step of plain numbers ("${p}" is not a number)`);
  const [start, stop, step] = parts.map((p) => Number(p.trim())) as [number, number, number];
  if (!(step > 0)) bad('a step greater than 0');
  if (stop < start) bad('start ≤ stop');
  const dec = Math.min(20, Math.max(...parts.map((p) => decimalsOf(p.trim()))));
  const span = (stop - start) / step;
  // Tolerate representation error in span (0.3/0.1 = 2.9999999999999996 must count 3 steps).
  const n = Math.floor(span + 1e-9);
  if (n + 1 > MAX_AXIS_VALUES) bad(`at most ${MAX_AXIS_VALUES} values (this range has ${n + 1})`);
  const out: number[] = [];
  for (let i = 0; i <= n; i++) {
    const v = Number((start + i * step).toFixed(dec));
    out.push(Object.is(v, -0) ? 0 : v);
  }
  return out;
}

/** One axis spec: `key=v1,v2,...` or `key=start:stop:step`. */
export function parseGridAxis(spec: string): GridAxis {
  const eq = spec.indexOf('=');
  if (eq <= 0) fail([{ where: WHERE, value: spec, expected: 'key=v1,v2,... or key=start:stop:step' }]);
  const key = spec.slice(0, eq).trim();
  const rhs = spec.slice(eq + 1).trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) fail([{ where: WHERE, value: spec, expected: 'a param name before "=" (letters, digits, _)' }]);
  if (rhs === '') fail([{ where: `${WHERE} ${key}`, value: rhs, expected: 'at least one value after "="' }]);
  let values: unknown[];
  if (rhs.includes(':') && !rhs.includes(',')) values = expandRange(key, rhs);
  else {
    const raws = rhs.split(',').map((s) => s.trim());
    const empty = raws.findIndex((s) => s === '');
    if (empty >= 0) fail([{ where: `${WHERE} ${key}`, value: rhs, expected: `a value at position ${empty + 1} of the comma-separated list` }]);
    values = raws.map(readValue);
  }
  // Duplicates would only run the same combination twice.
  const seen = new Set<string>();
  const unique = values.filter((v) => {
    const k = JSON.stringify(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { key, values: unique };
}

/** All axis specs, refusing a key given twice. */
export function parseGrid(specs: readonly string[]): GridAxis[] {
  if (specs.length === 0) fail([{ where: WHERE, value: [], expected: 'at least one axis, e.g. riskAversion=0.5,1,2' }]);
  const axes = specs.map(parseGridAxis);
  const keys = new Set<string>();
  for (const a of axes) {
    if (keys.has(a.key)) fail([{ where: `${WHERE} ${a.key}`, value: a.key, expected: 'each param swept by one axis only' }]);
    keys.add(a.key);
  }
  const count = axes.reduce((n, a) => n * a.values.length, 1);
  if (count > MAX_COMBINATIONS) fail([{ where: WHERE, value: count, expected: `at most ${MAX_COMBINATIONS} combinations` }]);
  return axes;
}

/** Cartesian product of the axes, last axis fastest. */
export function cartesian(axes: readonly GridAxis[]): Array<Record<string, unknown>> {
  let out: Array<Record<string, unknown>> = [{}];
  for (const a of axes) {
    const next: Array<Record<string, unknown>> = [];
    for (const partial of out) for (const v of a.values) next.push({ ...partial, [a.key]: v });
    out = next;
  }
  return out;
}

export function comboLabel(swept: Readonly<Record<string, unknown>>): string {
  return Object.entries(swept)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/**
 * An issue about the params object as a whole (e.g. a strict schema's "Unrecognized key: "lambda"")
 * names the whole combination as its value; when its message names a swept key, point at that key
 * and its value instead.
 */
function pinToSweptKey(i: Issue, swept: Readonly<Record<string, unknown>>): Issue {
  if (i.where !== `${WHERE} strategy.params`) return i;
  const key = Object.keys(swept).find((k) => i.expected.includes(`"${k}"`));
  return key === undefined ? i : { where: `${i.where}.${key}`, value: swept[key], expected: i.expected };
}

/**
 * Parses the specs, expands them over `base` (e.g. the vault's strategy.params) and validates every
 * combination with the strategy's own schema. Every bad value is reported once, naming the key and the
 * value (a ConfigError whose issues have where = "--grid strategy.params.<key>" and value = the value);
 * a key the strategy does not have is refused by strict schemas the same way.
 */
export function buildParamGrid<P>(strategy: Strategy<P>, specs: readonly string[], base: Readonly<Record<string, unknown>> = {}): Array<ParamCombo<P>> {
  const axes = parseGrid(specs);
  const issues: Issue[] = [];
  const seen = new Set<string>();
  const combos: Array<ParamCombo<P>> = [];
  cartesian(axes).forEach((swept, index) => {
    try {
      const params = parseStrategyParams(strategy, { ...base, ...swept }, WHERE);
      combos.push({ index, swept, params, label: comboLabel(swept) });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const raw of e.issues) {
        const i = pinToSweptKey(raw, swept);
        const k = `${i.where}\u0000${JSON.stringify(i.value)}\u0000${i.expected}`;
        if (!seen.has(k)) {
          seen.add(k);
          issues.push(i);
        }
      }
    }
  });
  if (issues.length > 0) fail(issues);
  return combos;
}
