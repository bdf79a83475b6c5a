import { KeeperError } from '../errors.js';
import { formatTime } from '../domain/time.js';
import type { Observation } from '../domain/observation.js';
import { simulate, type BacktestResult, type BacktestSpec } from './simulate.js';

export class LookaheadError extends KeeperError {}

export interface LookaheadReport {
  readonly checkpoints: readonly number[];
  readonly decisionsCompared: number;
}

/**
 * Proves decisions used no future data: for each checkpoint t, re-runs the backtest with every row
 * recorded after t physically removed and compares every decision up to t with the full run's. Any
 * difference means something (strategy or engine) read the future, and the backtest is void.
 */
export function checkLookahead(spec: BacktestSpec, full: BacktestResult, count: number): LookaheadReport {
  const times = full.steps.map((s) => s.t);
  const picks: number[] = [];
  for (let k = 1; k <= count; k++) {
    const t = times[Math.floor((k * (times.length - 1)) / (count + 1))];
    if (t !== undefined && !picks.includes(t)) picks.push(t);
  }
  let compared = 0;
  for (const t of picks) {
    let end = spec.rows.length;
    while (end > 0 && (spec.rows[end - 1] as Observation).time > t) end--;
    const cut = simulate({ ...spec, rows: spec.rows.slice(0, end), to: t, onStep: undefined, onSnapshot: undefined });
    for (let i = 0; i < cut.steps.length; i++) {
      const a = cut.steps[i];
      const b = full.steps[i];
      if (!a || !b) break;
      compared++;
      const diff = differs(a.targets, b.targets);
      if (diff) {
        throw new LookaheadError(
          `lookahead detected: strategy ${spec.strategy.name} decided differently at ${formatTime(a.t)} once data after ${formatTime(t)} was removed (${diff}); it reads the future, so this backtest is void`,
          { at: a.t, cutoff: t, strategy: spec.strategy.name },
        );
      }
    }
  }
  return { checkpoints: picks, decisionsCompared: compared };
}

function differs(a: Readonly<Record<string, number>> | undefined, b: Readonly<Record<string, number>> | undefined): string | undefined {
  if (!a || !b) return a === b ? undefined : `one run decided, the other did not`;
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    if (Math.abs(x - y) > 1e-12) return `${k}: ${y.toFixed(6)} with the future, ${x.toFixed(6)} without`;
  }
  return undefined;
}
