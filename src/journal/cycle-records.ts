import type { Observation } from '../domain/observation.js';
import type { AssetScore } from '../domain/score.js';
import { guard, toJsonText } from './codec.js';
import { bool, type prepareStatements } from './journal-statements.js';

/** A cycle's readings, scores and decision: the rows written between its start and its plan. */
export class CycleRecords {
  constructor(
    private readonly s: ReturnType<typeof prepareStatements>,
    private readonly tx: <T>(fn: () => T) => T,
  ) {}

  recordObservations(cycleId: number, obs: readonly Observation[]): void {
    guard('recordObservations', { cycleId }, () =>
      this.tx(() => {
        for (const o of obs) {
          this.s.insertObservation.run({
            cycleId,
            asset: o.asset,
            time: o.time,
            source: o.source,
            ref: o.ref ?? null,
            fairRate: o.fairRate ?? null,
            marketRate: o.marketRate ?? null,
            apyBase: o.apyBase ?? null,
            apyMev: o.apyMev ?? null,
            apyRestaking: o.apyRestaking ?? null,
            apyIncentives: o.apyIncentives ?? null,
            apyLending: o.apyLending ?? null,
            supplyIndex: o.supplyIndex ?? null,
            tvlBase: o.tvlBase ?? null,
            exitLiquidityBase: o.exitLiquidityBase ?? null,
            redemptionDelaySeconds: o.redemptionDelaySeconds ?? null,
            exitImpact: o.exitImpact ?? null,
            exitSizeBase: o.exitSizeBase ?? null,
          });
        }
      }),
    );
  }

  recordScores(cycleId: number, scores: readonly AssetScore[]): void {
    guard('recordScores', { cycleId }, () =>
      this.tx(() => {
        for (const s of scores) {
          const { asset, eligible, reasons, score, expectedLoss, ...breakdown } = s;
          this.s.insertScore.run({
            cycleId,
            asset,
            eligible: bool(eligible),
            score,
            expectedYield: s.yield.total,
            expectedLoss,
            breakdown: toJsonText(`scores[${asset}].breakdown`, breakdown),
            reasons: toJsonText(`scores[${asset}].reasons`, reasons),
          });
        }
      }),
    );
  }

  recordDecision(
    cycleId: number,
    d: { strategy: string; weights: Record<string, number>; rationale: readonly string[]; halted: boolean },
  ): void {
    guard('recordDecision', { cycleId }, () => {
      this.s.insertDecision.run({
        cycleId,
        strategy: d.strategy,
        weights: toJsonText('decision.weights', d.weights),
        rationale: toJsonText('decision.rationale', d.rationale),
        halted: bool(d.halted),
      });
    });
  }
}
