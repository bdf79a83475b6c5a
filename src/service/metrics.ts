import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AlertableEvent } from '../alerts/webhook-alerts.js';
import type { CycleReport } from '../keeper/cycle-report.js';
import { inFlight, journalBytes, spendBetween } from './journal-reads.js';
import type { VaultObserver, VaultRunner } from './vault-runner.js';
import { readinessOf, type VaultStatus } from './vault-status.js';
import type { ReadOutcome } from './watched-source.js';

const DAY = 86_400_000;
const P = 'restake_keeper_';

/** A base-unit amount as a number of whole base-asset units, for a gauge (display only, never money math). */
export function baseUnitsToNumber(v: bigint, decimals: number): number {
  const scale = 10n ** BigInt(decimals);
  return Number(v / scale) + Number(v % scale) / Number(scale);
}

/**
 * The fleet's Prometheus metrics, every series labelled by vault. Cycle, source and event metrics are fed
 * as they happen (the runner's observer); journal-derived gauges (in flight, today's spend, journal size,
 * readiness) are read at scrape time so a scrape always shows the journal as it is.
 */
export class FleetMetrics implements VaultObserver {
  readonly registry = new Registry();
  readonly #g: ReturnType<typeof makeMetrics>;
  readonly #caps = new Map<string, number>();

  constructor(private readonly runners: () => readonly VaultRunner[]) {
    collectDefaultMetrics({ register: this.registry });
    this.#g = makeMetrics(this.registry);
  }

  /** The per-day value cap of a vault's transaction policy, in base-asset units (only where one applies). */
  setSpendCap(vault: string, cap: number): void {
    this.#caps.set(vault, cap);
  }

  /** Zeroes each vault's labelled counters so they exist (and rate() works) before the first increment. */
  register(s: VaultStatus): void {
    for (const outcome of ['completed', 'halted', 'failed', 'error']) this.#g.cycles.inc({ vault: s.name, outcome }, 0);
    this.#g.quarantined.inc({ vault: s.name }, 0);
    this.#g.quarantineHeld.inc({ vault: s.name }, 0);
  }

  cycle(s: VaultStatus, r: CycleReport | undefined, durationMs: number): void {
    const vault = s.name;
    const outcome = r?.status ?? 'error';
    this.#g.duration.observe({ vault }, durationMs / 1000);
    this.#g.cycles.inc({ vault, outcome });
    this.#g.lastCycle.set({ vault }, Date.now() / 1000);
    for (const o of ['completed', 'halted', 'failed', 'error']) this.#g.lastOutcome.set({ vault, outcome: o }, o === outcome ? 1 : 0);
    if (r) {
      this.#g.decisionTime.set({ vault }, r.time / 1000);
      this.#g.nav.set({ vault, base: s.baseAsset }, baseUnitsToNumber(r.navBase, s.baseDecimals));
      for (const asset of s.universe) this.#g.weight.set({ vault, asset }, r.current[asset] ?? 0);
    }
    this.#g.halted.set({ vault }, r?.status === 'halted' ? 1 : 0);
  }

  sourceRead(s: VaultStatus, o: ReadOutcome): void {
    for (const t of o.timings) this.#g.readSeconds.observe({ vault: s.name, source: t.source }, t.ms / 1000);
    for (const f of o.failures) this.#g.sourceFailures.inc({ vault: s.name, source: f.source });
  }

  event(s: VaultStatus, e: AlertableEvent): void {
    if (e.kind.startsWith('breaker:')) {
      const action = typeof e.data?.action === 'string' ? e.data.action : 'unknown';
      this.#g.breakers.inc({ vault: s.name, breaker: e.kind.slice('breaker:'.length), action });
    }
    // One event per reading put in quarantine; 'quarantine-held' repeats every cycle for a held frozen
    // asset (a state, not a reading), so it is counted apart.
    if (e.kind === 'quarantine-held') this.#g.quarantineHeld.inc({ vault: s.name });
    else if (e.kind.includes('quarantine')) this.#g.quarantined.inc({ vault: s.name });
  }

  /** Reads the journal-derived gauges, then renders the exposition text. */
  async render(now = Date.now()): Promise<string> {
    const dayStart = Math.floor(now / DAY) * DAY;
    for (const r of this.runners()) {
      const s = r.status;
      const vault = s.name;
      this.#g.ready.set({ vault }, readinessOf(s, now).ready ? 1 : 0);
      this.#g.journalBytes.set({ vault }, journalBytes(s.journal));
      const j = r.journal;
      if (!j) continue;
      try {
        const f = inFlight(j, vault);
        this.#g.inFlight.set({ vault, kind: 'action' }, f.actions.length);
        this.#g.inFlight.set({ vault, kind: 'transaction' }, f.transactions.length);
        this.#g.inFlight.set({ vault, kind: 'proposal' }, f.proposals.length);
        this.#g.spend.set({ vault }, baseUnitsToNumber(spendBetween(j, vault, dayStart, dayStart + DAY), s.baseDecimals));
        const cap = this.#caps.get(vault);
        if (cap !== undefined) this.#g.spendCap.set({ vault }, cap);
      } catch {
        // A journal that cannot be read shows as missing gauges; the vault's readiness says why.
      }
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function makeMetrics(registers: Registry) {
  const r = [registers];
  return {
    nav: new Gauge({ name: `${P}nav`, help: 'Vault NAV marked to market, in whole units of its base asset', labelNames: ['vault', 'base'], registers: r }),
    weight: new Gauge({ name: `${P}weight`, help: 'Weight of each universe asset in the vault after the last cycle (fraction of NAV)', labelNames: ['vault', 'asset'], registers: r }),
    duration: new Histogram({ name: `${P}cycle_duration_seconds`, help: 'Wall-clock duration of a cycle', labelNames: ['vault'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: r }),
    cycles: new Counter({ name: `${P}cycles_total`, help: 'Cycles run, by outcome (completed, halted, failed closed, error = threw)', labelNames: ['vault', 'outcome'], registers: r }),
    lastCycle: new Gauge({ name: `${P}last_cycle_timestamp_seconds`, help: 'Wall-clock time the last cycle ended (Unix seconds)', labelNames: ['vault'], registers: r }),
    decisionTime: new Gauge({ name: `${P}last_decision_time_seconds`, help: 'Decision time of the last cycle (recorded time on a recorded feed; Unix seconds)', labelNames: ['vault'], registers: r }),
    lastOutcome: new Gauge({ name: `${P}last_cycle_outcome`, help: '1 for the outcome of the last cycle, 0 for the others', labelNames: ['vault', 'outcome'], registers: r }),
    breakers: new Counter({ name: `${P}breaker_firings_total`, help: 'Circuit breaker firings journaled, by breaker kind and the action it took', labelNames: ['vault', 'breaker', 'action'], registers: r }),
    readSeconds: new Histogram({ name: `${P}source_read_seconds`, help: 'Latency of each source read', labelNames: ['vault', 'source'], buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: r }),
    sourceFailures: new Counter({ name: `${P}source_failures_total`, help: 'Source reads that failed (error, timeout, a bad reading), by source', labelNames: ['vault', 'source'], registers: r }),
    quarantineHeld: new Counter({ name: `${P}quarantine_held_cycles_total`, help: 'Cycles in which a held asset was valued at its last trusted state because its readings were quarantined', labelNames: ['vault'], registers: r }),
    quarantined: new Counter({ name: `${P}quarantined_readings_total`, help: 'Readings quarantined by the trust checks (journaled events of a quarantine kind, e.g. reading-quarantined)', labelNames: ['vault'], registers: r }),
    inFlight: new Gauge({ name: `${P}in_flight`, help: 'Work not yet settled: open actions, unconfirmed transactions, proposals awaiting signatures', labelNames: ['vault', 'kind'], registers: r }),
    spend: new Gauge({ name: `${P}spend_today_base`, help: "Value at risk signed today (UTC), in whole base-asset units", labelNames: ['vault'], registers: r }),
    spendCap: new Gauge({ name: `${P}spend_cap_today_base`, help: "The transaction policy's per-day cap, in whole base-asset units", labelNames: ['vault'], registers: r }),
    journalBytes: new Gauge({ name: `${P}journal_bytes`, help: 'Size of the journal and its write-ahead log on disk', labelNames: ['vault'], registers: r }),
    halted: new Gauge({ name: `${P}vault_halted`, help: '1 when the last cycle halted (a halt breaker, a rejected decision): nothing was planned', labelNames: ['vault'], registers: r }),
    ready: new Gauge({ name: `${P}vault_ready`, help: '1 when the vault passes the readiness rule (/readyz)', labelNames: ['vault'], registers: r }),
  };
}
