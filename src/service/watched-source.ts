import { statSync } from 'node:fs';
import type { EpochMs } from '../domain/time.js';
import type { SourceFailure, SourceRead, YieldSource } from '../sources/yield-source.js';

/** One source's answer in one read, for metrics and readiness. */
export interface SourceTimingRecord {
  readonly source: string;
  readonly ms: number;
  readonly ok: boolean;
}

export interface ReadOutcome {
  readonly timings: readonly SourceTimingRecord[];
  readonly failures: readonly SourceFailure[];
}

/**
 * Wraps a vault's source to see every read: how long each underlying source took (a composite live
 * source reports per-reader timings) and which failed. The keeper still gets exactly what the source
 * returned, or the exception it threw.
 */
export class WatchedSource implements YieldSource {
  readonly name: string;
  last: ReadOutcome | undefined;

  constructor(
    private readonly inner: YieldSource & { readonly lastTimings?: readonly SourceTimingRecord[] },
    private readonly onRead: (o: ReadOutcome) => void,
  ) {
    this.name = inner.name;
  }

  async read(now: EpochMs): Promise<SourceRead> {
    const started = performance.now();
    try {
      const r = await this.inner.read(now);
      const ms = performance.now() - started;
      const failed = new Set(r.failures.map((f) => f.source));
      const timings = this.inner.lastTimings?.length ? this.inner.lastTimings : [{ source: this.inner.name, ms, ok: failed.size === 0 }];
      this.#report({ timings, failures: r.failures });
      return r;
    } catch (e) {
      this.#report({ timings: [{ source: this.inner.name, ms: performance.now() - started, ok: false }], failures: [{ source: this.inner.name, assets: [], message: (e as Error).message }] });
      throw e;
    }
  }

  #report(o: ReadOutcome): void {
    this.last = o;
    this.onRead(o);
  }
}

/**
 * A recorded feed that answers only while its history file is the one it loaded: a file removed,
 * truncated or rewritten under a running service fails the read the way a dead API would (and the keeper
 * fails closed), instead of the service replaying a copy nobody can see any more.
 */
export class CheckedFileSource implements YieldSource {
  readonly name: string;
  readonly #stamp: string;

  constructor(
    private readonly inner: YieldSource,
    private readonly file: string,
  ) {
    this.name = inner.name;
    this.#stamp = CheckedFileSource.stamp(file) ?? '';
  }

  static stamp(file: string): string | undefined {
    try {
      const s = statSync(file);
      return `${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch {
      return undefined;
    }
  }

  async read(now: EpochMs): Promise<SourceRead> {
    const s = CheckedFileSource.stamp(this.file);
    if (s === undefined) throw new Error(`recorded history ${this.file} is gone`);
    if (s !== this.#stamp) throw new Error(`recorded history ${this.file} changed since it was loaded (restart the service to load it)`);
    return this.inner.read(now);
  }
}
