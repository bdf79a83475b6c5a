import type { Observation } from '../domain/observation.js';
import type { EpochMs } from '../domain/time.js';
import type { SourceFailure, SourceRead, YieldSource } from './yield-source.js';

export interface CompositeOptions {
  /** A source that has not answered by then counts as failed for this cycle. */
  readonly timeoutMs: number;
  /** Assets each source covers, so a timed-out or crashed source fails closed on exactly those. */
  readonly coverage?: ReadonlyMap<string, readonly string[]> | undefined;
}

/** Per-source timing of the last read, for the benchmark and the logs. */
export interface SourceTiming {
  readonly source: string;
  readonly ms: number;
  readonly ok: boolean;
}

/**
 * Reads every source at once and merges what they return. A cycle's read therefore takes as long as
 * its slowest source, not the sum; a source that throws, hangs past the timeout or fails an asset is
 * reported, never allowed to take the others down with it.
 */
export class CompositeSource implements YieldSource {
  readonly name = 'live';
  lastTimings: SourceTiming[] = [];

  constructor(
    private readonly sources: readonly YieldSource[],
    private readonly options: CompositeOptions,
  ) {}

  async read(now: EpochMs): Promise<SourceRead> {
    const timings: SourceTiming[] = [];
    const results = await Promise.all(
      this.sources.map(async (s): Promise<SourceRead> => {
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<SourceRead>((resolve) => {
          timer = setTimeout(() => resolve({ observations: [], failures: [{ source: s.name, assets: this.options.coverage?.get(s.name) ?? [], message: `no answer within ${this.options.timeoutMs} ms` }] }), this.options.timeoutMs);
        });
        try {
          const r = await Promise.race([
            s.read(now).catch((e: unknown): SourceRead => ({ observations: [], failures: [{ source: s.name, assets: this.options.coverage?.get(s.name) ?? [], message: `read failed: ${(e as Error).message}` }] })),
            timeout,
          ]);
          timings.push({ source: s.name, ms: performance.now() - started, ok: r.failures.length === 0 });
          return r;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    this.lastTimings = timings;
    const observations: Observation[] = [];
    const failures: SourceFailure[] = [];
    for (const r of results) {
      observations.push(...r.observations);
      failures.push(...r.failures);
    }
    // The market fold wants time order; a stable sort keeps each source's own order for equal times.
    observations.sort((a, b) => a.time - b.time);
    return { observations, failures };
  }
}
