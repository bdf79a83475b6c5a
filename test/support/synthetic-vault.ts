/**
 * A small synthetic Ethereum-like vault built in memory: ETH, TOK (an LST with a 7-day redemption queue
 * that stops earning, and a DEX), NOQ (a receipt token with a DEX exit only) and LEND (supply of ETH).
 * Rows are generated per day from a scenario function, so stress scenarios read like their stories.
 */
import type { LoadedVault } from '../../src/config/load-vault.js';
import { RegistrySchema } from '../../src/config/registry-schema.js';
import { buildUniverse } from '../../src/config/universe.js';
import { VaultSchema } from '../../src/config/vault-schema.js';
import type { Observation } from '../../src/domain/observation.js';
import { DAY, YEAR } from '../../src/domain/time.js';

const note = 'synthetic test fixture';
const mode = (name: string, annualProbability: number, severity: number) => ({ name, annualProbability, severity, note });
const dex = { venue: 'test-dex', feeFraction: 0.0005, impactAtRef: 0.001, refSizeBase: 100, gasUnits: 150000, note };

export function syntheticRegistry(queueDays = 7) {
  return RegistrySchema.parse({
    version: 1,
    chains: { ethereum: { baseAsset: 'ETH', gasPriceBaseUnits: '1000000000', note } },
    layers: {
      chain: { kind: 'base-chain', name: 'consensus', failureModes: [mode('slashing', 0.01, 0.05)], note },
      tok: { kind: 'lst-protocol', name: 'TOK protocol', failureModes: [mode('exploit', 0.005, 0.5)], note },
      noq: { kind: 'restaking-protocol', name: 'NOQ protocol', failureModes: [mode('exploit', 0.006, 0.5)], note },
      mm: { kind: 'money-market', name: 'market', failureModes: [mode('exploit', 0.002, 0.5)], note },
    },
    assets: {
      ETH: { symbol: 'ETH', chain: 'ethereum', kind: 'native', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'ETH', underlying: 'ETH' }, layers: [], entry: {}, exit: {}, note },
      TOK: {
        symbol: 'TOK', chain: 'ethereum', kind: 'lst', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'tok', underlying: 'ETH' }, layers: ['chain', 'tok'],
        entry: { mint: { feeFraction: 0, gasUnits: 100000, note }, dex },
        exit: { redeem: { feeFraction: 0, delaySeconds: queueDays * 86400, earnsWhileQueued: false, gasUnits: 100000, note }, dex },
        note,
      },
      NOQ: {
        symbol: 'NOQ', chain: 'ethereum', kind: 'lrt', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'noq', underlying: 'ETH' }, layers: ['chain', 'noq'],
        entry: { mint: { feeFraction: 0, gasUnits: 100000, note }, dex }, exit: { dex }, note,
      },
      LEND: {
        symbol: 'LEND', chain: 'ethereum', kind: 'lending', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'mm', underlying: 'ETH' }, layers: ['chain', 'mm'], lendingOf: 'ETH', rebasing: true,
        entry: { mint: { feeFraction: 0, gasUnits: 200000, note } }, exit: { redeem: { feeFraction: 0, delaySeconds: 0, earnsWhileQueued: true, gasUnits: 200000, note } }, note,
      },
    },
  });
}

export const T0 = Date.parse('2025-01-01T00:00:00Z');
export const day = (n: number) => T0 + n * DAY;

export interface VaultOptions {
  readonly holdings: Record<string, number>;
  readonly strategy: string;
  readonly queueDays?: number;
  readonly days?: number;
  readonly overrides?: Record<string, unknown>;
}

/** Whole tokens → base units as a decimal string. */
const units = (x: number) => (BigInt(Math.round(x * 1e6)) * 10n ** 12n).toString();

export function syntheticVault(o: VaultOptions): LoadedVault {
  const registry = syntheticRegistry(o.queueDays);
  const config = VaultSchema.parse({
    name: 'synthetic',
    chain: 'ethereum',
    baseAsset: 'ETH',
    registry: 'in-memory',
    journal: 'unused.sqlite',
    initialHoldings: Object.fromEntries(Object.entries(o.holdings).map(([k, v]) => [k, units(v)])),
    benchmark: 'TOK',
    universe: ['ETH', 'TOK', 'NOQ', 'LEND'],
    strategy: { name: o.strategy, params: {} },
    limits: { maxWeightPerAsset: 0.5, maxWeightPerGroup: { protocol: 1, restaking: 1, operators: 1, underlying: 1 }, maxLossProbability: 1, minLiquidWeight: 0, maxExpectedLoss: 0.01, maxDepeg: 0.005, maxExitCost: 0.01, maxRedemptionDelay: '30d' },
    breakers: { depeg: { maxDiscount: 0.005, action: 'derisk', minDwell: '7d' }, fairRateDrop: { tolerance: 0.001, action: 'derisk' }, staleData: { maxAge: '36h', action: 'exclude' }, missingData: { action: 'halt' }, drawdown: { maxDrawdown: 0.5, action: 'derisk' } },
    planner: { deadBand: 0.02, minTradeBase: units(0.5), maxSlippage: 0.005, gasReserveBase: units(0.1), horizon: '90d' },
    schedule: { step: '1d', from: new Date(day(10)).toISOString(), to: new Date(day(o.days ?? 120)).toISOString() },
    apyWindow: '7d',
    ...o.overrides,
  });
  return { file: 'synthetic.yaml', config, registry, universe: buildUniverse(registry, 'ethereum', 'ETH', config.universe), paths: { registry: 'in-memory', history: undefined, journal: 'unused.sqlite' }, hash: 'synthetic' };
}

/** What one token reads on day n: fair rate, market/fair (undefined: no market), an observed queue delay. */
export interface TokenDay {
  readonly fair: number;
  readonly discount?: number | undefined;
  readonly queueDays?: number | undefined;
  /** When true the row carries the previous day's fair rate again (a stored rate nobody updates). */
  readonly stuck?: boolean | undefined;
}

export type Scenario = (n: number) => Partial<Record<'TOK' | 'NOQ', TokenDay>>;

/** Fair rate growing at `apy` from 1.0 on day 0, times (1 − fall) from `fallDay` on. */
export const grow = (n: number, apy: number, fall = 0, fallDay = Infinity) => Math.pow(1 + apy, (n * DAY) / YEAR) * (n >= fallDay ? 1 - fall : 1);

export function scenarioRows(s: Scenario, days = 130): Observation[] {
  const rows: Observation[] = [];
  const last: Record<string, number> = {};
  for (let n = 0; n <= days; n++) {
    const time = day(n);
    rows.push({ time, asset: 'LEND', source: 'synthetic', apyLending: 0.02, supplyIndex: grow(n, 0.02), exitLiquidityBase: 1e6 });
    const toks = s(n);
    for (const id of ['NOQ', 'TOK'] as const) {
      const t = toks[id];
      if (!t) continue;
      const fair = t.stuck && last[id] !== undefined ? (last[id] as number) : t.fair;
      last[id] = fair;
      const o: Observation = { time, asset: id, source: 'synthetic', fairRate: fair };
      rows.push({ ...o, ...(t.discount !== undefined ? { marketRate: fair * (1 - t.discount) } : {}), ...(t.queueDays !== undefined ? { redemptionDelaySeconds: t.queueDays * 86400 } : {}) });
    }
  }
  return rows.sort((a, b) => a.time - b.time || a.asset.localeCompare(b.asset));
}
