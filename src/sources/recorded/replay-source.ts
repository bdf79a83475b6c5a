import type { Observation } from '../../domain/observation.js';
import type { EpochMs } from '../../domain/time.js';
import type { SourceRead, YieldSource } from '../yield-source.js';
import { readHistoryFile } from './history-file.js';

/**
 * Replays recorded history: each read hands back the rows recorded up to `now` that were not handed
 * out before. It never returns a row from the future, which is what keeps backtests honest.
 */
export class ReplaySource implements YieldSource {
  readonly name: string;
  private cursor = 0;

  constructor(
    private readonly rows: readonly Observation[],
    name = 'recorded-history',
  ) {
    this.name = name;
  }

  static fromFile(path: string): ReplaySource {
    return new ReplaySource(readHistoryFile(path), `recorded:${path.split('/').pop()}`);
  }

  get firstTime(): EpochMs | undefined {
    return this.rows[0]?.time;
  }

  get lastTime(): EpochMs | undefined {
    return this.rows[this.rows.length - 1]?.time;
  }

  get size(): number {
    return this.rows.length;
  }

  async read(now: EpochMs): Promise<SourceRead> {
    return { observations: this.take(now), failures: [] };
  }

  /** Synchronous form for the backtest engine's hot loop. */
  take(now: EpochMs): Observation[] {
    const start = this.cursor;
    let end = start;
    while (end < this.rows.length && (this.rows[end] as Observation).time <= now) end++;
    this.cursor = end;
    return this.rows.slice(start, end) as Observation[];
  }
}
