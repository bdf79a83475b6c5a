import type { AssetId } from '../domain/asset.js';
import { OBSERVATION_FIELDS, type Observation } from '../domain/observation.js';
import { advanceTrusted, EMPTY_TRUSTED, judgeReading, type Finding, type PlausibilityBounds, type TrustedState } from './plausibility.js';

/**
 * Holds implausible readings back until they are confirmed. Deterministic and free of I/O (like
 * MarketState, it accumulates): the same readings in the same order give the same verdicts in a
 * backtest, a paper run and a live run.
 *
 * - A plausible reading is accepted.
 * - An implausible one is quarantined. Later readings of the asset that agree with it (judged as if it
 *   were trusted) are held with it; once `confirmReadings` readings agree, or a second source agrees,
 *   they are released in order. A move no asset can make (a fair rate jumping up, an index falling or
 *   leaping, a market price tens of percent from fair) needs a second source, or consistent readings
 *   spanning `impossibleAfterMs`, so a whole bad day cannot confirm itself.
 * - A reading that agrees with the trusted state on the quarantined fields proves the held ones a
 *   spike: they are discarded.
 * - A percent/fraction unit error is rejected outright: such a reading is never used.
 * - A reading older than (or as old as) the newest from its source for the asset is stale: ignored.
 */
export interface QuarantinePolicy {
  /** Readings that must agree (the suspect one included) before a suspect move is believed. */
  readonly confirmReadings: number;
  /** For moves no asset can make: how long consistent readings must span (a second source confirms at once). */
  readonly impossibleAfterMs: number;
}

export type GateVerdict =
  | { readonly kind: 'quarantined'; readonly asset: AssetId; readonly reading: Observation; readonly findings: readonly Finding[]; readonly held: number }
  | { readonly kind: 'confirmed'; readonly asset: AssetId; readonly readings: readonly Observation[]; readonly findings: readonly Finding[]; readonly by: 'readings' | 'second-source' }
  | { readonly kind: 'discarded'; readonly asset: AssetId; readonly readings: readonly Observation[]; readonly findings: readonly Finding[]; readonly because: Observation }
  | { readonly kind: 'rejected'; readonly asset: AssetId; readonly reading: Observation; readonly findings: readonly Finding[] }
  | { readonly kind: 'stale'; readonly asset: AssetId; readonly reading: Observation; readonly newest: number };

export interface GateResult {
  /** Readings now trusted, in the order they must be folded in. */
  readonly accepted: readonly Observation[];
  readonly verdicts: readonly GateVerdict[];
}

/** An asset whose readings are held: it is valued at its last trusted state and not traded. */
export interface QuarantineInfo {
  readonly since: number;
  readonly held: number;
  readonly findings: readonly Finding[];
  readonly message: string;
}

interface Pending {
  readings: Observation[];
  readonly findings: readonly Finding[];
  readonly fields: ReadonlySet<string>;
  state: TrustedState;
  readonly impossible: boolean;
  readonly sources: Set<string>;
  readonly since: number;
}

const fieldsOf = (o: Observation) => OBSERVATION_FIELDS.filter((f) => o[f] !== undefined);

export class ReadingGate {
  private readonly trusted = new Map<AssetId, TrustedState>();
  private readonly pending = new Map<AssetId, Pending>();
  private readonly newest = new Map<string, number>();

  constructor(
    private readonly boundsOf: (asset: AssetId) => PlausibilityBounds,
    private readonly policy: QuarantinePolicy,
  ) {}

  admit(o: Observation): GateResult {
    const key = `${o.asset}\u0000${o.source}`;
    const newest = this.newest.get(key);
    if (newest !== undefined && o.time <= newest) return { accepted: [], verdicts: [{ kind: 'stale', asset: o.asset, reading: o, newest }] };
    this.newest.set(key, o.time);
    const bounds = this.boundsOf(o.asset);
    const trusted = this.trusted.get(o.asset) ?? EMPTY_TRUSTED;
    const findings = judgeReading(o, trusted, bounds);
    if (findings.some((f) => f.code === 'apy-unit-error')) return { accepted: [], verdicts: [{ kind: 'rejected', asset: o.asset, reading: o, findings }] };
    const p = this.pending.get(o.asset);
    if (findings.length === 0) {
      this.trusted.set(o.asset, advanceTrusted(trusted, o));
      if (!p) return { accepted: [o], verdicts: [] };
      if (fieldsOf(o).some((f) => p.fields.has(f))) {
        this.pending.delete(o.asset);
        return { accepted: [o], verdicts: [{ kind: 'discarded', asset: o.asset, readings: p.readings, findings: p.findings, because: o }] };
      }
      p.state = advanceTrusted(p.state, o);
      return { accepted: [o], verdicts: [] };
    }
    if (p && judgeReading(o, p.state, bounds).length === 0) {
      p.readings.push(o);
      p.sources.add(o.source);
      p.state = advanceTrusted(p.state, o);
      return this.maybeConfirm(o.asset, p, o);
    }
    const verdicts: GateVerdict[] = [];
    if (p) verdicts.push({ kind: 'discarded', asset: o.asset, readings: p.readings, findings: p.findings, because: o });
    const next: Pending = {
      readings: [o],
      findings,
      fields: new Set(findings.map((f) => f.field)),
      state: advanceTrusted(trusted, o),
      impossible: findings.some((f) => f.impossible),
      sources: new Set([o.source]),
      since: o.time,
    };
    this.pending.set(o.asset, next);
    const r = this.maybeConfirm(o.asset, next, o);
    return { accepted: r.accepted, verdicts: [...verdicts, ...r.verdicts] };
  }

  private maybeConfirm(asset: AssetId, p: Pending, o: Observation): GateResult {
    const bySource = p.sources.size >= 2;
    const byCount = p.readings.length >= this.policy.confirmReadings && (!p.impossible || o.time - p.since >= this.policy.impossibleAfterMs);
    if (!bySource && !byCount) return { accepted: [], verdicts: [{ kind: 'quarantined', asset, reading: o, findings: p.readings.length === 1 ? p.findings : judgeReading(o, this.trusted.get(asset) ?? EMPTY_TRUSTED, this.boundsOf(asset)), held: p.readings.length }] };
    this.pending.delete(asset);
    this.trusted.set(asset, p.state);
    return { accepted: p.readings, verdicts: [{ kind: 'confirmed', asset, readings: p.readings, findings: p.findings, by: bySource ? 'second-source' : 'readings' }] };
  }

  /** Assets with readings held back now. */
  quarantined(): ReadonlyMap<AssetId, QuarantineInfo> {
    const out = new Map<AssetId, QuarantineInfo>();
    for (const [asset, p] of this.pending) {
      out.set(asset, { since: p.since, held: p.readings.length, findings: p.findings, message: `${p.readings.length} reading(s) held since ${new Date(p.since).toISOString()}: ${p.findings.map((f) => f.message).join('; ')}` });
    }
    return out;
  }
}
