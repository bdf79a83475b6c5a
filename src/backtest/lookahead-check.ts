import { KeeperError } from '../errors.js';
import { formatTime } from '../domain/time.js';
import type { Observation } from '../domain/observation.js';
import { visibleRows } from '../strategy/history-view.js';
import type { Strategy } from '../strategy/strategy.js';
import { simulate, type BacktestResult, type BacktestSpec } from './simulate.js';

export class LookaheadError extends KeeperError {}

export interface LookaheadReport {
  readonly checkpoints: readonly number[];
  /** Decisions re-made with the future removed and found identical (shadow steps + cut-off re-runs). */
  readonly decisionsCompared: number;
}

/**
 * Wraps a strategy so each decision is also made from only the rows visible at that time; the first
 * difference is recorded (a throw would be swallowed by the keeper into a halted cycle).
 */
function shadowed(s: Strategy<unknown>, found: { diff?: string; at?: number; compared: number }): Strategy<unknown> {
  return {
    ...s,
    decide(input, params) {
      const full = s.decide(input, params);
      const visible = s.decide({ ...input, history: { rows: visibleRows(input.history, input.now) } }, params);
      found.compared++;
      const diff = differs(visible.weights, full.weights);
      if (diff && found.diff === undefined) {
        found.diff = diff;
        found.at = input.now;
      }
      return full;
    },
  };
}

/**
 * Proves decisions used no future data, two ways. (1) Shadow: at every step the strategy decides again
 * from only the rows recorded up to that time; any difference means it read rows from the future.
 * (2) Cut-off: for each checkpoint t the whole backtest re-runs with every row after t physically
 * removed and every decision up to t must match, which also catches an engine that leaks the future.
 * Either failure voids the backtest. Strategies must be pure (the shadow calls them twice per step).
 */
export function checkLookahead(spec: BacktestSpec, full: BacktestResult, count: number): LookaheadReport {
  const found: { diff?: string; at?: number; compared: number } = { compared: 0 };
  simulate({ ...spec, strategy: shadowed(spec.strategy, found), onStep: undefined, onSnapshot: undefined });
  if (found.diff !== undefined) {
    throw new LookaheadError(
      `lookahead detected: strategy ${spec.strategy.name} decided differently at ${formatTime(found.at ?? 0)} once data after that time was removed (${found.diff}); it reads the future, so this backtest is void`,
      { at: found.at, strategy: spec.strategy.name },
    );
  }
  const times = full.steps.map((s) => s.t);
  const picks: number[] = [];
  for (let k = 1; k <= count; k++) {
    const t = times[Math.floor((k * (times.length - 1)) / (count + 1))];
    if (t !== undefined && !picks.includes(t)) picks.push(t);
  }
  let compared = found.compared;
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
