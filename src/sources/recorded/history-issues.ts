import { DataError, type Issue } from '../../errors.js';
import { HISTORY_COLUMNS } from './history-columns.js';

/** Stop listing problems after this many; the count of the rest is still reported. */
export const MAX_HISTORY_ISSUES = 100;

/**
 * The problems of one history file, each at `<file>:<line>:<column>` with the raw text it found. The
 * parser moves `lineNo` as it reads and points `fs`/`fe` (field start and end offsets of the current row)
 * at the row, so a column's problem can quote the field; `rowBad` marks the columns of the current row
 * already reported, so a later check does not report them again.
 */
export class HistoryIssues {
  readonly #list: Issue[] = [];
  #unlisted = 0;
  lineNo = 0;
  rowBad = 0;

  constructor(
    private readonly fileLabel: string,
    private readonly text: string,
    private readonly fs: Int32Array,
    private readonly fe: Int32Array,
  ) {}

  report(column: string, value: unknown, expected: string): void {
    if (this.#list.length < MAX_HISTORY_ISSUES) this.#list.push({ where: `${this.fileLabel}:${this.lineNo}:${column}`, value, expected });
    else this.#unlisted++;
  }

  reportCol(col: number, expected: string): void {
    this.rowBad |= 1 << col;
    this.report(HISTORY_COLUMNS[col] as string, this.text.slice(this.fs[col] as number, this.fe[col] as number), expected);
  }

  /** One DataError listing every problem (and how many were not listed), if there was any. */
  throwIfAny(): void {
    if (this.#unlisted > 0) {
      this.#list.push({ where: this.fileLabel, value: this.#unlisted, expected: `no further problems (listing stopped after ${MAX_HISTORY_ISSUES}; ${this.#unlisted} more not listed)` });
    }
    if (this.#list.length > 0) throw new DataError(this.fileLabel, this.#list);
  }
}
