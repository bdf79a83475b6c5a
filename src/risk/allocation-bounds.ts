import type { AssetId } from '../domain/asset.js';
import type { AssetScore } from '../domain/score.js';
import { parseDuration } from '../domain/time.js';
import type { Limits } from '../config/vault-schema.js';
import type { Universe } from '../config/universe.js';
import type { Snapshot } from '../market/asset-view.js';
import { exitCost, totalCost } from '../market/cost-model.js';
import type { BreakerEffect } from './breakers.js';

export const GROUP_KINDS = ['protocol', 'restaking', 'operators', 'underlying', 'kind'] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];

export interface GroupCap {
  readonly kind: GroupKind;
  readonly id: string;
  readonly members: readonly AssetId[];
  readonly cap: number;
}

/**
 * The hard limits of one cycle as linear constraints over weights. Every strategy allocates inside
 * these and every decision is checked against them; a decision that breaks one is not acted on.
 */
export interface AllocationBounds {
  readonly assets: readonly AssetId[];
  readonly baseAsset: AssetId;
  readonly lo: Readonly<Record<AssetId, number>>;
  readonly hi: Readonly<Record<AssetId, number>>;
  /** Why each asset's upper bound is what it is. */
  readonly why: Readonly<Record<AssetId, string>>;
  readonly groups: readonly GroupCap[];
  readonly liquid: readonly AssetId[];
  readonly minLiquid: number;
  readonly expectedLoss: Readonly<Record<AssetId, number>>;
  readonly maxExpectedLoss: number;
  readonly current: Readonly<Record<AssetId, number>>;
}

export interface BoundsInput {
  readonly universe: Universe;
  readonly snapshot: Snapshot;
  readonly scores: ReadonlyMap<AssetId, AssetScore>;
  readonly current: Readonly<Record<AssetId, number>>;
  readonly limits: Limits;
  readonly effect: BreakerEffect;
  readonly navBase: number;
  readonly maxSlippage: number;
}

export function buildBounds(i: BoundsInput): AllocationBounds {
  const { universe: u, limits } = i;
  const lo: Record<AssetId, number> = {};
  const hi: Record<AssetId, number> = {};
  const why: Record<AssetId, string> = {};
  const expectedLoss: Record<AssetId, number> = {};
  const liquid: AssetId[] = [];
  const liquidWithin = parseDuration(limits.liquidWithin) / 1000;
  for (const a of u.assets) {
    const s = i.scores.get(a.id);
    expectedLoss[a.id] = s?.expectedLoss ?? 0;
    lo[a.id] = 0;
    if (a.id === u.baseAsset) {
      hi[a.id] = 1;
      why[a.id] = 'base asset: the safe harbour, uncapped';
      liquid.push(a.id);
      continue;
    }
    const cur = i.current[a.id] ?? 0;
    const kindCap = limits.maxWeightPerKind[a.kind] ?? 1;
    const cap = Math.min(limits.maxWeightPerAsset, kindCap);
    if (i.effect.forceExit.has(a.id)) {
      hi[a.id] = 0;
      why[a.id] = `forced exit: ${i.effect.excluded.get(a.id) ?? 'breaker'}`;
    } else if (!s || !s.eligible) {
      hi[a.id] = Math.min(cur, cap);
      why[a.id] = `no new money: ${s?.reasons.join('; ') ?? 'not scored'}`;
    } else {
      hi[a.id] = cap;
      why[a.id] = cap === limits.maxWeightPerAsset ? `per-asset cap ${cap}` : `${a.kind} cap ${cap}`;
    }
    const path = exitCost(u, i.snapshot, a, Math.max(i.navBase * Math.max(hi[a.id] as number, cur), 0), { maxDelaySeconds: liquidWithin, maxSlippage: i.maxSlippage, yieldApy: s?.yield.total ?? 0 });
    if (path && totalCost(path) <= limits.maxExitCost) liquid.push(a.id);
  }
  return {
    assets: u.assets.map((a) => a.id),
    baseAsset: u.baseAsset,
    lo,
    hi,
    why,
    groups: groupCaps(u, limits),
    liquid,
    minLiquid: limits.minLiquidWeight,
    expectedLoss,
    maxExpectedLoss: limits.maxExpectedLoss,
    current: i.current,
  };
}

/** The group caps (protocol, restaking, operators, underlying, kind) that bind below 1: config and universe only, no market. */
export function groupCaps(u: Universe, limits: Limits): GroupCap[] {
  const groups: GroupCap[] = [];
  const add = (kind: GroupKind, id: string, member: AssetId, cap: number) => {
    let g = groups.find((x) => x.kind === kind && x.id === id);
    if (!g) {
      g = { kind, id, members: [], cap };
      groups.push(g);
    }
    (g.members as AssetId[]).push(member);
  };
  for (const a of u.assets) {
    if (a.kind === 'native') continue;
    const caps = limits.maxWeightPerGroup;
    const named = (id: string, dflt: number) => limits.groupCaps[id] ?? dflt;
    add('protocol', a.groups.protocol, a.id, named(a.groups.protocol, caps.protocol));
    if (a.groups.restaking) add('restaking', a.groups.restaking, a.id, named(a.groups.restaking, caps.restaking));
    if (a.groups.operators) add('operators', a.groups.operators, a.id, named(a.groups.operators, caps.operators));
    add('underlying', a.groups.underlying, a.id, named(a.groups.underlying, caps.underlying));
    const kindCap = limits.maxWeightPerKind[a.kind];
    if (kindCap !== undefined) add('kind', a.kind, a.id, kindCap);
  }
  return groups.filter((g) => g.cap < 1);
}

export interface LimitBreach {
  readonly limit: string;
  readonly value: number;
  readonly bound: number;
}

const TOL = 1e-7;

/** Every limit a set of target weights breaks; empty means the decision may be acted on. */
export function checkLimits(weights: Readonly<Record<AssetId, number>>, b: AllocationBounds): LimitBreach[] {
  const out: LimitBreach[] = [];
  let sum = 0;
  for (const [id, w] of Object.entries(weights)) {
    if (!b.assets.includes(id)) out.push({ limit: `asset ${id} is outside the universe`, value: w, bound: 0 });
    if (!Number.isFinite(w) || w < -TOL) out.push({ limit: `weight of ${id} must be a non-negative number`, value: w, bound: 0 });
    sum += w;
  }
  if (Math.abs(sum - 1) > 1e-6) out.push({ limit: 'weights sum to 1', value: sum, bound: 1 });
  for (const id of b.assets) {
    const w = weights[id] ?? 0;
    if (w > (b.hi[id] ?? 0) + TOL) out.push({ limit: `${id} upper bound (${b.why[id]})`, value: w, bound: b.hi[id] ?? 0 });
    if (w < (b.lo[id] ?? 0) - TOL) out.push({ limit: `${id} lower bound`, value: w, bound: b.lo[id] ?? 0 });
  }
  for (const g of b.groups) {
    const total = g.members.reduce((s, id) => s + (weights[id] ?? 0), 0);
    if (total > g.cap + TOL) out.push({ limit: `${g.kind} group ${g.id} cap`, value: total, bound: g.cap });
  }
  const liquid = b.liquid.reduce((s, id) => s + (weights[id] ?? 0), 0);
  if (liquid < b.minLiquid - TOL) out.push({ limit: 'minimum liquid weight', value: liquid, bound: b.minLiquid });
  const el = b.assets.reduce((s, id) => s + (weights[id] ?? 0) * (b.expectedLoss[id] ?? 0), 0);
  if (el > b.maxExpectedLoss + TOL) out.push({ limit: 'portfolio expected loss', value: el, bound: b.maxExpectedLoss });
  return out;
}
