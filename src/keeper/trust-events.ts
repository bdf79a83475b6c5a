import type { AssetId } from '../domain/asset.js';
import type { KeeperEvent } from '../domain/event.js';
import type { Observation } from '../domain/observation.js';
import type { GateVerdict } from '../market/quarantine.js';

/**
 * The plausibility gate's verdicts as journal events, with the reason and the numbers: the keeper
 * shell only records what the pure gate decided.
 */
const iso = (t: number) => new Date(t).toISOString();

function reading(o: Observation): Record<string, unknown> {
  const out: Record<string, unknown> = { time: iso(o.time), source: o.source };
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'time' && k !== 'asset' && k !== 'source') out[k] = v;
  return out;
}

export function verdictEvent(v: GateVerdict): Omit<KeeperEvent, 'at'> {
  switch (v.kind) {
    case 'quarantined':
      return { kind: 'reading-quarantined', severity: 'warn', asset: v.asset, message: `${v.asset} reading from ${v.reading.source} at ${iso(v.reading.time)} quarantined (${v.held} held): ${v.findings.map((f) => f.message).join('; ')}`, data: { reading: reading(v.reading), findings: v.findings, held: v.held } };
    case 'confirmed':
      return { kind: 'reading-confirmed', severity: v.findings.some((f) => f.impossible) ? 'critical' : 'warn', asset: v.asset, message: `${v.asset}: ${v.readings.length} quarantined reading(s) confirmed by ${v.by === 'second-source' ? 'a second source' : 'consistent readings'} and now used: ${v.findings.map((f) => f.message).join('; ')}`, data: { readings: v.readings.map(reading), findings: v.findings, by: v.by } };
    case 'discarded':
      return { kind: 'reading-discarded', severity: 'info', asset: v.asset, message: `${v.asset}: ${v.readings.length} quarantined reading(s) discarded as a spike: ${v.because.source} at ${iso(v.because.time)} agrees with the trusted state`, data: { readings: v.readings.map(reading), findings: v.findings, because: reading(v.because) } };
    case 'rejected':
      return { kind: 'reading-rejected', severity: 'warn', asset: v.asset, message: `${v.asset} reading from ${v.reading.source} at ${iso(v.reading.time)} rejected, never used: ${v.findings.map((f) => f.message).join('; ')}`, data: { reading: reading(v.reading), findings: v.findings } };
    case 'stale':
      return { kind: 'reading-stale', severity: 'info', asset: v.asset, message: `${v.asset} reading from ${v.reading.source} at ${iso(v.reading.time)} ignored: not newer than the newest from that source (${iso(v.newest)})`, data: { reading: reading(v.reading), newest: iso(v.newest) } };
  }
}

/** The time of the newest reading a verdict is about. */
export function verdictTime(v: GateVerdict): number {
  if (v.kind === 'confirmed') return v.readings[v.readings.length - 1]?.time ?? 0;
  if (v.kind === 'discarded') return v.because.time;
  return v.reading.time;
}

/** Said every cycle an asset the vault holds is frozen by quarantined readings. */
export function frozenHeldEvent(asset: AssetId, reason: string): Omit<KeeperEvent, 'at'> {
  return { kind: 'quarantine-held', severity: 'warn', asset, message: `${asset} is held but its readings are quarantined: valued at its last trusted state and not traded (${reason})`, data: { reason } };
}
