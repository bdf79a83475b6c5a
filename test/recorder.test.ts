import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openJournal, openJournalDb } from '../src/journal/open-journal.js';
import { listEvents, observationsBetween } from '../src/journal/queries.js';
import { recordSample } from '../src/keeper/recorder.js';
import { CompositeSource } from '../src/sources/composite-source.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import type { YieldSource } from '../src/sources/yield-source.js';
import { cli, tempDir } from './support/cli.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');

function fakeSource(name: string, asset: string, rate: (t: number) => number, delayMs = 0): YieldSource {
  return {
    name,
    async read(now) {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return { observations: [{ time: now, asset, source: name, ref: `block:${now / 1000}`, fairRate: rate(now) }], failures: [] };
    },
  };
}

describe('recorder and export', () => {
  it('records samples from every source, keeps going when one fails, and exports them as replayable history', async () => {
    const dir = tempDir();
    const path = join(dir, 'rec.sqlite');
    const j = openJournal(path);
    const runId = j.startRun({ at: T0, mode: 'record', vault: 'eth-restaking', configHash: 'h', configJson: '{}' });
    const broken: YieldSource = { name: 'broken', read: async () => { throw new Error('connection refused 127.0.0.1:1'); } };
    const src = new CompositeSource([fakeSource('evm:wsteth', 'wstETH', (t) => 1.2 + (t - T0) / 1e12), broken, fakeSource('evm:weeth', 'weETH', () => 1.07)], { timeoutMs: 1000, coverage: new Map([['broken', ['rsETH']]]) });
    for (let k = 0; k < 3; k++) {
      const r = await recordSample(j, runId, src, T0 + k * 3_600_000);
      expect(r.readings).toBe(2);
      expect(r.failures).toHaveLength(1);
      expect(r.failures[0]?.assets).toEqual(['rsETH']);
    }
    j.close();
    const db = openJournalDb(path, { readonly: true });
    expect(observationsBetween(db, { vault: 'eth-restaking' })).toHaveLength(6);
    expect(listEvents(db, { kind: 'source-failed' })).toHaveLength(3);
    db.close();
    // A recorder run is not a decision: a paper run of the same vault still starts at its own beginning.
    const out = join(dir, 'mine.csv');
    const exp = cli(['export', '--journal', path, '-o', out]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(exp.stdout).toMatch(/wrote 6 readings/);
    const back = readHistoryFile(out);
    expect(back.map((o) => `${o.asset}@${(o.time - T0) / 3_600_000}`)).toEqual(['weETH@0', 'wstETH@0', 'weETH@1', 'wstETH@1', 'weETH@2', 'wstETH@2']);
    expect(back[1]?.fairRate).toBe(1.2);
    expect(back[1]?.ref).toBe(`block:${T0 / 1000}`);
  });

  it('reads sources concurrently: a cycle takes about as long as its slowest source', async () => {
    const delays = [120, 80, 150, 60];
    const src = new CompositeSource(delays.map((d, i) => fakeSource(`s${i}`, `a${i}`, () => 1, d)), { timeoutMs: 2000 });
    const t = performance.now();
    const r = await src.read(T0);
    const ms = performance.now() - t;
    expect(r.observations).toHaveLength(4);
    expect(ms).toBeLessThan(150 + 100); // far below the 410 ms a sequential read would take
  });

  it('a source that hangs past the timeout fails closed on the assets it covers', async () => {
    const hang: YieldSource = { name: 'hang', read: () => new Promise(() => {}) };
    const src = new CompositeSource([hang, fakeSource('ok', 'wstETH', () => 1.2)], { timeoutMs: 50, coverage: new Map([['hang', ['weETH']]]) });
    const r = await src.read(T0);
    expect(r.observations.map((o) => o.asset)).toEqual(['wstETH']);
    expect(r.failures).toEqual([{ source: 'hang', assets: ['weETH'], message: 'no answer within 50 ms' }]);
  });
});
