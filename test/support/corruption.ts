import { join } from 'node:path';
import { loadVault, type LoadedVault } from '../../src/config/load-vault.js';
import { checkObservation } from '../../src/domain/observation-check.js';
import { OBSERVATION_FIELDS, type Observation, type ObservationField } from '../../src/domain/observation.js';
import { DAY } from '../../src/domain/time.js';
import { simulate, type BacktestResult } from '../../src/backtest/simulate.js';
import { readHistoryFile } from '../../src/sources/recorded/history-file.js';
import { loadStrategy } from '../../src/strategy/load-strategy.js';
import type { Strategy } from '../../src/strategy/strategy.js';
import { createYalpsSolver } from '../../src/strategy/yalps-solver.js';
import { ROOT } from './cli.js';

/**
 * Shortened windows of the bundled histories, run through the backtest engine (the keeper's own decision
 * path), clean and with one reading corrupted. Rows before the window are kept back far enough to fill
 * the APY and peak windows, so the shortened run decides as the full one would.
 */
export interface Scenario {
  readonly vault: LoadedVault;
  readonly strategy: Strategy<unknown>;
  readonly params: unknown;
  readonly rows: readonly Observation[];
  readonly from: number;
  readonly to: number;
  readonly step: number;
}

export async function scenario(vaultFile: string, from: string, to: string, lead: number): Promise<Scenario> {
  const vault = loadVault(join(ROOT, 'config/vaults', vaultFile));
  const strategy = await loadStrategy(vault.config.strategy.name);
  const all = readHistoryFile(vault.paths.history as string);
  const f = Date.parse(from);
  const t = Date.parse(to);
  const rows = all.filter((o) => o.time >= f - lead && o.time <= t);
  return { vault, strategy, params: strategy.params.parse(vault.config.strategy.params ?? {}), rows, from: f, to: t, step: vault.config.schedule.step === '2d' ? 2 * DAY : DAY };
}

const solver = createYalpsSolver();

export function run(s: Scenario, rows: readonly Observation[] = s.rows): BacktestResult {
  return simulate({ vault: s.vault, strategy: s.strategy, params: s.params, solver, rows, from: s.from, to: s.to, step: s.step });
}

/** A source refuses what fails the range checks (an APY above 1): it never becomes a reading. */
export function admitted(rows: readonly Observation[]): Observation[] {
  return rows.filter((o) => checkObservation(o).length === 0);
}

export const finalNav = (r: BacktestResult) => r.steps[r.steps.length - 1]?.nav ?? NaN;

/** Confirmed actions as comparable keys (time, kind, route). */
export function actionKeys(r: BacktestResult): string[] {
  return r.actions.filter((a) => a.status === 'confirmed').map((a) => `${new Date(a.t).toISOString().slice(0, 10)} ${a.action.kind} ${a.action.from}→${a.action.to}`);
}

/** The same actions without their dates: what was traded, not when. */
export const routes = (keys: readonly string[]) => keys.map((k) => k.slice(11));

/** Held-asset breaker firings as comparable keys. */
export function firingKeys(r: BacktestResult): string[] {
  return r.firings.map((f) => `${new Date(f.t).toISOString().slice(0, 10)} ${f.firing.breaker}:${f.firing.asset ?? 'vault'}→${f.firing.action}`);
}

/** Keys of `b` that are not in `a` (as multisets). */
export function extra(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const k of a) left.set(k, (left.get(k) ?? 0) + 1);
  const out: string[] = [];
  for (const k of b) {
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    else out.push(k);
  }
  return out;
}

export type Corruption =
  | { readonly kind: 'swap'; readonly row: number; readonly a: ObservationField; readonly b: ObservationField }
  | { readonly kind: 'scale'; readonly row: number; readonly field: ObservationField; readonly k: number }
  | { readonly kind: 'set'; readonly row: number; readonly field: ObservationField; readonly value: number };

export const presentFields = (o: Observation): ObservationField[] => OBSERVATION_FIELDS.filter((f) => o[f] !== undefined);

export function corrupt(rows: readonly Observation[], c: Corruption): Observation[] {
  const out = [...rows];
  const o = out[c.row] as Observation;
  const w = { ...o } as Record<string, unknown>;
  if (c.kind === 'swap') {
    w[c.a] = o[c.b];
    w[c.b] = o[c.a];
  } else if (c.kind === 'scale') {
    w[c.field] = (o[c.field] as number) * c.k;
  } else {
    w[c.field] = c.value;
  }
  out[c.row] = w as unknown as Observation;
  return out;
}

export function describeCorruption(rows: readonly Observation[], c: Corruption): string {
  const o = rows[c.row] as Observation;
  const at = `${o.asset}@${new Date(o.time).toISOString()}`;
  if (c.kind === 'swap') return `${at} swap ${c.a}↔${c.b}`;
  if (c.kind === 'scale') return `${at} ${c.field}×${c.k}`;
  return `${at} ${c.field}=${c.value}`;
}

/** Every row of `asset` with time in [from, to) transformed by `f` (a real event spanning many readings). */
export function overRange(rows: readonly Observation[], asset: string | ((a: string) => boolean), from: number, to: number, f: (o: Observation) => Observation): Observation[] {
  const match = typeof asset === 'string' ? (a: string) => a === asset : asset;
  return rows.map((o) => (match(o.asset) && o.time >= from && o.time < to ? f(o) : o));
}
