import { SolanaExecutionSchema } from '../chains/solana/exec-config.js';
import { z } from 'zod';
import { AlertsSchema } from '../alerts/alert-config.js';
import { CHAINS } from '../domain/asset.js';
import { parseDuration, parseTime } from '../domain/time.js';
import { LiveSourcesSchema } from '../sources/live-sources-schema.js';
import { EvmExecutionSchema } from '../chains/evm/exec-config.js';
import { SafeExecutionSchema } from '../chains/evm/safe/safe-config.js';
import { SquadsExecutionSchema } from '../chains/multisig/squads/squads-config.js';

/** What a vault manager writes: which assets, which strategy, which limits, which breakers, where to journal. */

const fraction = z.number().min(0).max(1);
const duration = z.string().refine((s) => { try { parseDuration(s); return true; } catch { return false; } }, 'a duration such as "30m", "36h" or "7d"');
/** A step, window or horizon: a duration of zero would make time stand still (run would loop at one decision time). */
const positiveDuration = z.string().refine((s) => { try { return parseDuration(s) > 0; } catch { return false; } }, 'a duration longer than zero, such as "30m", "36h" or "7d"');
const isoTime = z.string().superRefine((s, ctx) => {
  try {
    parseTime(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `an ISO-8601 time with a zone such as "2024-06-01T00:00:00Z"; ${(e as Error).message}` });
  }
});
const baseUnits = z.string().regex(/^\d+$/, 'an integer amount in base units (wei, lamports) as a string');

export const BREAKER_ACTIONS = ['halt', 'derisk', 'exclude'] as const;
export type BreakerAction = (typeof BREAKER_ACTIONS)[number];
const breakerAction = z.enum(BREAKER_ACTIONS);

/*
 * Safety limits a file does not write default to conservative values (those of the shipped vault), never
 * to permissive ones: a config truncated before its limits must not let the keeper take on more risk.
 * validate-config lists every default it applied (applied-defaults.ts).
 */

export const LimitsSchema = z.strictObject({
  /** No single asset above this weight of NAV. */
  maxWeightPerAsset: fraction.default(0.5),
  /** Concentration caps per group kind (see the registry's `groups`). */
  maxWeightPerGroup: z
    .strictObject({
      protocol: fraction.default(0.6),
      restaking: fraction.default(0.4),
      operators: fraction.default(0.5),
      underlying: fraction.default(1),
    })
    .prefault({}),
  /** Tighter caps on named groups, e.g. { eigenlayer: 0.3 }. */
  groupCaps: z.record(z.string(), fraction).default({}),
  /** Caps per asset kind, e.g. { lrt: 0.4 }. */
  maxWeightPerKind: z.partialRecord(z.enum(['native', 'lst', 'lrt', 'vrt', 'lending']), fraction).default({}),
  /** At least this weight must be exitable within `liquidWithin` (instant DEX exit or a short queue). */
  minLiquidWeight: fraction.default(0.2),
  liquidWithin: positiveDuration.default('1d'),
  /** Portfolio expected annual loss (Σ weight × asset expected loss) may not exceed this fraction. */
  maxExpectedLoss: fraction.default(0.004),
  /** Asset eligibility: annual probability of any slash or loss event in its stack. */
  maxLossProbability: fraction.default(0.2),
  /** Asset eligibility for new money: market discount to the fair rate. */
  maxDepeg: fraction.default(0.005),
  /** Asset eligibility: cost (fraction) to exit the position at its target size through the cheapest instant route. */
  maxExitCost: fraction.default(0.01),
  /** Asset eligibility: longest redemption path accepted when no instant route is cheap enough. */
  maxRedemptionDelay: duration.default('21d'),
  /** Asset eligibility: minimum recorded TVL in whole base units (0 = not checked). */
  minTvlBase: z.number().nonnegative().default(0),
});

export const BreakersSchema = z.strictObject({
  staleData: z.strictObject({ maxAge: positiveDuration.default('36h'), action: breakerAction.default('exclude') }).prefault({}),
  /**
   * Depeg response (src/risk/depeg-response.ts): an episode starts at `maxDiscount` (the enter band) or on
   * impairment, and ends only after the discount has stayed at or under `exitBand` for `minDwell`.
   * `derisk` lets the response choose hold, queue or sale; `exclude` only freezes new money.
   */
  depeg: z
    .strictObject({
      maxDiscount: fraction.default(0.005),
      action: breakerAction.default('derisk'),
      /** The episode's exit band; half the enter band when absent. */
      exitBand: fraction.optional(),
      minDwell: positiveDuration.default('7d'),
    })
    .prefault({}),
  fairRateDrop: z.strictObject({ tolerance: fraction.default(0.0005), action: breakerAction.default('derisk') }).prefault({}),
  missingData: z.strictObject({ action: breakerAction.default('halt') }).prefault({}),
  drawdown: z.strictObject({ maxDrawdown: fraction.default(0.05), action: breakerAction.default('derisk') }).prefault({}),
});

export const TrustSchema = z.strictObject({
  /** Largest gap tolerated between a reported APY and the one the fair rate's growth implies (absolute fraction). */
  apyTolerance: fraction.default(0.01),
  /** A market price further than this from the fair rate is taken for a broken quote. */
  maxMarketDeviation: fraction.default(0.1),
  /** An APY above this is implausible for staking, restaking or lending supply. */
  maxApy: fraction.default(0.5),
  /** An accruing token's fair rate that has not moved for this long, although read, is a stale stored value. */
  maxRateStillness: duration.default('3d'),
  /** What a disagreement (APY, stuck rate) does: score with the lower yield, or keep new money out. */
  onDisagreement: z.enum(['conservative', 'unreliable']).default('conservative'),
  /** Physically implausible readings are held until confirmed (src/market/quarantine.ts). */
  quarantine: z
    .strictObject({
      /** Consistent readings (the suspect one included) that confirm a suspect move; 1 turns the hold off. */
      confirmReadings: z.number().int().min(1).max(100).default(2),
      /** How long consistent readings must span before a move no asset can make is believed (a second source confirms at once). */
      impossibleAfter: duration.default('48h'),
    })
    .prefault({}),
});

export const PlannerSchema = z.strictObject({
  /** Do not trade an asset whose weight is within this of its target. */
  deadBand: fraction.default(0.01),
  /** Smallest trade worth its gas, in base units. */
  minTradeBase: baseUnits.default('0'),
  /** Base asset always kept back for gas, in base units: entries never spend it. */
  gasReserveBase: baseUnits.default('0'),
  /** Refuse a DEX leg whose estimated slippage (impact + fee) exceeds this. */
  maxSlippage: fraction.default(0.005),
  /** Horizon over which entry and exit costs are amortized when comparing routes and scores. */
  horizon: positiveDuration.default('90d'),
});

export const ScheduleSchema = z.strictObject({
  /** Live / wall-clock paper mode: when cycles run. */
  cron: z.string().default('0 */6 * * *'),
  /** Paper mode over recorded history: decision interval in recorded time. */
  step: positiveDuration.default('1d'),
  from: isoTime.optional(),
  to: isoTime.optional(),
});

export const StrategyRefSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a strategy name (file name in strategies/, lower-case with dashes)'),
  params: z.record(z.string(), z.unknown()).default({}),
});

export const VaultSchema = z
  .strictObject({
    name: z.string().min(1),
    chain: z.enum(CHAINS),
    baseAsset: z.string().min(1),
    /** Path of the asset registry, relative to this file. */
    registry: z.string().min(1),
    /** Registry overlays applied in order on top of `registry` (add or override assets, layers, routes); relative to this file. */
    registryOverlays: z.array(z.string().min(1)).default([]),
    /** Path of the recorded history (CSV) the paper and backtest modes replay, relative to this file. */
    history: z.string().min(1).optional(),
    /** Path of the journal, relative to this file. */
    journal: z.string().min(1),
    mode: z.enum(['paper']).default('paper'),
    /** Where readings come from: the recorded history (replayed in recorded time) or the live sources. */
    feed: z.enum(['recorded', 'live']).default('recorded'),
    /** Live readers (on-chain, yield APIs, DEX quotes); needed for feed: live and for `record`. */
    sources: LiveSourcesSchema.optional(),
    /** Starting holdings in base units, by asset id. */
    initialHoldings: z.record(z.string(), baseUnits),
    /** The LST the buy-and-hold benchmark holds in backtests (e.g. wstETH, JitoSOL). */
    benchmark: z.string().min(1).optional(),
    /** Asset ids the vault may hold; the base asset is always included. */
    universe: z.array(z.string().min(1)).min(1),
    strategy: StrategyRefSchema,
    limits: LimitsSchema.prefault({}),
    breakers: BreakersSchema.prefault({}),
    trust: TrustSchema.prefault({}),
    planner: PlannerSchema.prefault({}),
    schedule: ScheduleSchema.prefault({}),
    /** Trailing window used to turn fair-rate history into an APY. */
    apyWindow: positiveDuration.default('7d'),
    optimizer: z
      .strictObject({
        /** LP solver for strategies: yalps (small-LP simplex, fast) or highs (HiGHS, the reference). */
        solver: z.enum(['yalps', 'highs']).default('yalps'),
      })
      .prefault({}),
    scoring: z
      .strictObject({
        /** Reward tokens are not the base asset and are often points: count only this fraction of their APY. */
        incentiveHaircut: fraction.default(0.5),
      })
      .prefault({}),
    /** Where journaled events that need a person right away are sent (a webhook). */
    alerts: AlertsSchema.optional(),
    /** Where and how transactions are sent (chain executors), and the transaction policy they are checked against. */
    execution: z
      .strictObject({
        evm: EvmExecutionSchema.optional(),
        /** Propose through a Safe (the vault is the Safe; execution.evm gives the chain). */
        safe: SafeExecutionSchema.optional(),
        solana: SolanaExecutionSchema.optional(),
        /** Propose through a Squads v4 multisig (execution.solana.vault is its vault PDA). */
        squads: SquadsExecutionSchema.optional(),
        /** Path of the transaction policy (YAML), relative to this file. */
        policy: z.string().min(1).optional(),
      })
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.feed === 'live' && !v.sources) ctx.addIssue({ code: 'custom', path: ['sources'], message: 'feed: live needs a sources section' });
    // zod runs this refinement even when a field above failed: a bad time is already reported there.
    const from = v.schedule.from ? timeOrUndefined(v.schedule.from) : undefined;
    const to = v.schedule.to ? timeOrUndefined(v.schedule.to) : undefined;
    if (from !== undefined && to !== undefined && from >= to) {
      ctx.addIssue({ code: 'custom', path: ['schedule', 'to'], message: `must be after schedule.from (${v.schedule.from})` });
    }
    for (const [k, cap] of Object.entries(v.limits.groupCaps)) {
      if (cap === 0 && k === v.baseAsset) ctx.addIssue({ code: 'custom', path: ['limits', 'groupCaps', k], message: 'the base asset group cannot be capped at 0' });
    }
  });

function timeOrUndefined(s: string): number | undefined {
  try {
    return parseTime(s);
  } catch {
    return undefined;
  }
}

export type VaultConfig = z.infer<typeof VaultSchema>;
export type Limits = z.infer<typeof LimitsSchema>;
export type Breakers = z.infer<typeof BreakersSchema>;
export type PlannerConfig = z.infer<typeof PlannerSchema>;
export type TrustConfig = z.infer<typeof TrustSchema>;
