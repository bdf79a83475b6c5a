import type { JournalPort } from '../journal/journal-port.js';
import type { SourceRead, YieldSource } from '../sources/yield-source.js';

export interface SampleReport {
  readonly cycleId: number;
  readonly time: number;
  readonly readings: number;
  readonly assets: number;
  readonly failures: SourceRead['failures'];
}

/**
 * One recorder sample: read every configured source and append what came back to the journal, as a
 * cycle of a `record` run (no decision, no plan). Failures are journaled as events; a failed source
 * never stops the others from being recorded.
 */
export async function recordSample(j: JournalPort, runId: number, source: YieldSource, now: number, at: number = now): Promise<SampleReport> {
  const cycleId = j.beginCycle({ runId, decisionTime: now, at });
  let read: SourceRead;
  try {
    read = await source.read(now);
  } catch (e) {
    read = { observations: [], failures: [{ source: source.name, assets: [], message: (e as Error).message }] };
  }
  j.recordObservations(cycleId, read.observations);
  for (const f of read.failures) {
    j.recordEvent({ cycleId, at, kind: 'source-failed', severity: 'warn', message: `${f.source}: ${f.message}`, data: { assets: f.assets } });
  }
  j.recordStage(cycleId, 'observed', at);
  j.endCycle(cycleId, at, read.failures.length && !read.observations.length ? 'failed' : 'completed', { readings: read.observations.length, failures: read.failures.length });
  return { cycleId, time: now, readings: read.observations.length, assets: new Set(read.observations.map((o) => o.asset)).size, failures: read.failures };
}
