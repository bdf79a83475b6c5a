import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlannedAction } from '../src/domain/action.js';
import { costSplitDetail } from '../src/domain/cost-split.js';
import { emptyPortfolio, withHolding } from '../src/domain/portfolio.js';
import { DAY } from '../src/domain/time.js';
import { openJournal } from '../src/journal/open-journal.js';
import { journalReportModel } from '../src/report/journal-report-model.js';
import { renderReport } from '../src/report/render-report.js';
import { ethVault, eth } from './support/core-fixtures.js';
import { tempDir } from './support/cli.js';

/**
 * A live journal says what it can: chain fills with gas from the receipt and fee/slippage against the
 * quote, or "not measurable" with the reason; older fills with fee and slippage as one figure read
 * "not split"; no benchmark readings means the benchmark is not measurable, never 0 %.
 */

const T0 = Date.parse('2025-02-01T00:00:00Z');
const dir = tempDir('journal-report-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const vault = ethVault();

const sell = (seq: number): PlannedAction => ({ seq, kind: 'sell', from: 'wstETH', to: 'ETH', amountIn: eth(1), expectedOut: eth(1.17), minOut: eth(1.16), venue: 'v', estCostBase: 0n, delaySeconds: 0, reason: 'test' });

function liveJournal(file: string, fills: ReadonlyArray<Record<string, string> | undefined>): void {
  const j = openJournal(file);
  const runId = j.startRun({ at: T0, mode: 'live', vault: vault.config.name, configHash: 'h'.repeat(64), configJson: JSON.stringify({ strategy: { name: 'risk-adjusted', params: { riskAversion: 2, oracle: 'https://user:secret@rpc.example/v2' } }, limits: { maxWeightPerAsset: 0.5 } }) });
  for (let d = 0; d < 40; d++) {
    const t = T0 + d * DAY;
    const cycleId = j.beginCycle({ runId, decisionTime: t, at: t });
    j.recordDecision(cycleId, { strategy: 'risk-adjusted', weights: { ETH: 1 }, rationale: d % 2 ? ['binding: wstETH at its upper bound 0.5000 (per-asset cap 0.5)'] : ['nothing bound'], halted: false });
    const detail = fills[d];
    if (detail) {
      const [id] = j.recordActions(cycleId, [sell(1)], t);
      j.recordActionStatus(id!, 'intent', t);
      j.recordActionStatus(id!, 'confirmed', t);
      j.recordFill(id!, { amountIn: eth(1), amountOut: eth(1.17), costBase: BigInt(detail.gasBase ?? '0'), at: t, detail });
    }
    j.recordPortfolio({ cycleId, at: t, navBase: eth(100 + d * 0.01), portfolio: withHolding(emptyPortfolio(), 'ETH', eth(100 + d * 0.01)), marks: { ETH: 1 } });
    j.endCycle(cycleId, t, 'completed', {});
  }
  j.close();
}

function report(file: string) {
  const j = openJournal(file);
  try {
    return journalReportModel(j.db, vault, { codeVersion: 'test', generatedAt: 'now' });
  } finally {
    j.close();
  }
}

describe('report --journal from a live journal', () => {
  it('chain fills: every part where the receipt and the quote say it, not measurable (with why) where not', () => {
    const file = join(dir, 'live.sqlite');
    const known = costSplitDetail({ gas: eth(0.002), fee: eth(0.0001), slippage: eth(0.0007), depeg: eth(0.01) });
    const unknown = costSplitDetail({ gas: eth(0.003), why: 'no market price for wstETH at execution' });
    liveJournal(file, [known, undefined, undefined, known, undefined, unknown]);
    const m = report(file);
    const c = m.operator!.costs;
    expect(m.source).toBe('live');
    expect(m.title).toBe('Live report: eth-restaking');
    expect(c.gas).toBeCloseTo(0.007, 12);
    expect(c.fee).toBe('not measurable');
    expect(c.slippage).toBe('not measurable');
    // a known chain fill's net cost is its parts' sum, not only its gas
    expect(c.byKind[0]!.costBase).toBeCloseTo(2 * (0.002 + 0.0001 + 0.0007 + 0.01) + 0.003, 12);
    expect(m.operator!.why.costs).toMatch(/1 fill without every part: no market price for wstETH at execution/);
    // no benchmark readings in this journal: the benchmark is not measurable, with the reason
    expect(m.operator!.benchmark!.apy).toBe('not measurable');
    expect(m.operator!.why.benchmark).toMatch(/no recorded rates for wstETH in this journal/);
    expect(m.operator!.monthly.every((x) => x.benchmark === 'not measurable')).toBe(true);
    expect(m.operator!.bindingLimits).toEqual([{ limit: 'wstETH (per-asset cap 0.5)', cycles: 20, first: T0 + DAY, last: T0 + 39 * DAY }]);
    const html = renderReport(m);
    expect(html).toContain('no market price for wstETH at execution');
    expect(html).toMatch(/<table id="cost-split">.*?<td>0\.007000 ETH<\/td><td><span class="na">not measurable<\/span><\/td>/);
    expect(html).toContain('id="benchmark-dd-chart-na">not measurable: no recorded rates for wstETH');
    expect(html).not.toContain('<canvas id="benchmark-dd-chart"');
    // a run config journaled before redaction landed is shown redacted
    expect(html).not.toContain('secret@');
    expect(html).toContain('&quot;riskAversion&quot;:2');
  });

  it('older fills with fee and slippage as one figure show "not split", never invented parts', () => {
    const file = join(dir, 'old.sqlite');
    liveJournal(file, [{ gasBase: eth(0.001).toString(), feesAndImpactBase: eth(0.0004).toString(), belowFairBase: eth(0.002).toString() }]);
    const m = report(file);
    expect(m.operator!.costs).toMatchObject({ gas: 0.001, fee: 'not split', slippage: 'not split', feeAndSlippage: 0.0004, depeg: 0.002 });
    const html = renderReport(m);
    expect(html).toMatch(/<td>0\.001000 ETH<\/td><td><span class="na">not split<\/span><\/td><td><span class="na">not split<\/span><\/td><td>0\.002000 ETH<\/td>/);
    expect(html).toContain('Fees and slippage together: 0.000400 ETH (not split).');
  });
});
