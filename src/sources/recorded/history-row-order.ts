import type { Observation } from '../../domain/observation.js';
import type { HistoryIssues } from './history-issues.js';

/**
 * Rows come in non-decreasing time order and (time, asset, source) is unique. Only the rows sharing the
 * current time are kept: a short list scanned linearly, switched to a map past 32 rows.
 */
export class HistoryRowOrder {
  #prevTime = -Infinity;
  #prevTimeLine = 0;
  #prevTimeText = '';
  readonly #group: Observation[] = [];
  readonly #groupLines: number[] = [];
  #groupSize = 0;
  #groupKeys: Map<string, number> | undefined;

  /** Checks the row just read (its time valid), whose time field is text[ts, te), at issues.lineNo. */
  check(o: Observation, text: string, ts: number, te: number, issues: HistoryIssues): void {
    const time = o.time;
    const lineNo = issues.lineNo;
    if (time < this.#prevTime) {
      issues.report('time', text.slice(ts, te), `a time ≥ the previous row's ${this.#prevTimeText} (line ${this.#prevTimeLine}): rows must be in non-decreasing time order`);
    }
    if (time !== this.#prevTime) {
      this.#groupSize = 0;
      this.#groupKeys = undefined;
      this.#prevTime = time;
      this.#prevTimeText = text.slice(ts, te);
    }
    this.#prevTimeLine = lineNo;
    const { asset, source } = o;
    if (asset === '' || source === '') return;
    let dupLine = 0;
    if (this.#groupKeys !== undefined) {
      const key = `${asset}\u0000${source}`;
      dupLine = this.#groupKeys.get(key) ?? 0;
      if (dupLine === 0) this.#groupKeys.set(key, lineNo);
    } else {
      for (let g = 0; g < this.#groupSize; g++) {
        const other = this.#group[g] as Observation;
        if (other.asset === asset && other.source === source) {
          dupLine = this.#groupLines[g] as number;
          break;
        }
      }
      if (dupLine === 0) {
        this.#group[this.#groupSize] = o;
        this.#groupLines[this.#groupSize] = lineNo;
        this.#groupSize++;
        if (this.#groupSize > 32) {
          this.#groupKeys = new Map();
          for (let g = 0; g < this.#groupSize; g++) {
            const other = this.#group[g] as Observation;
            this.#groupKeys.set(`${other.asset}\u0000${other.source}`, this.#groupLines[g] as number);
          }
        }
      }
    }
    if (dupLine !== 0) {
      issues.report('time', `${this.#prevTimeText},${asset},${source}`, `a unique (time, asset, source): line ${dupLine} already has ${asset} from ${source} at ${this.#prevTimeText}`);
    }
  }
}
