import { NO_EPISODES, type DepegMemory } from '../risk/depeg-episodes.js';
import type { Logger } from 'pino';
import type { AssetId } from '../domain/asset.js';
import type { Observation } from '../domain/observation.js';
import { portfolioFromJson, type Portfolio } from '../domain/portfolio.js';
import type { LoadedVault } from '../config/load-vault.js';
import { isPlanExecutor, type ExecutionContext, type Executor } from '../executor/executor.js';
import type { JournalPort } from '../journal/journal-port.js';
import { accrueRebasing } from '../market/accrual.js';
import type { TrustedMarket } from '../market/trusted-market.js';
import type { Snapshot } from '../market/asset-view.js';
import { currentWeights, valuePortfolio } from '../market/valuation.js';
import { parseDuration } from '../domain/time.js';
import type { LpSolver } from '../strategy/lp-solver.js';
import type { Strategy } from '../strategy/strategy.js';
import type { YieldSource } from '../sources/yield-source.js';
import type { CycleReport } from './cycle-report.js';
import { toJsonText } from '../journal/codec.js';
import { decideCycle, type DecisionSettings } from './decide-cycle.js';
import { adoptChainHoldings } from './holdings-sync.js';
import { haltReasonOf, isReconciling, recoverUnfinished, type InFlightOutcome } from './recover.js';
import { trustedMarketFor } from './trusted-market-for.js';
import { frozenHeldEvent, verdictEvent, verdictTime } from './trust-events.js';
import { executePlanAtOnce } from './plan-at-once.js';

export interface KeeperOptions {
  readonly vault: LoadedVault;
  readonly strategy: Strategy<unknown>;
  readonly params: unknown;
  readonly solver: LpSolver;
  readonly source: YieldSource;
  readonly executor: Executor;
  readonly journal: JournalPort;
  readonly mode: string;
  readonly log: Logger;
  /** Wall-clock time for journal timestamps; in replays, the decision time itself. */
  readonly clock?: (() => number) | undefined;
  /**
   * Live sources return only today's readings: prime the market view with the journal's own earlier
   * readings (recorder samples included) so rate-derived APYs and peaks are there from the first cycle.
   * Never for a replay, whose source hands back its whole history itself.
   */
  readonly primeFromJournal?: boolean | undefined;
  /** Told every trusted view, so the API sources can cross-check reported APYs with rate-implied ones. */
  readonly apyReference?: { update(snapshot: Snapshot): void } | undefined;
}

/** Starting holdings from the config, in base units. */
export function initialPortfolio(v: LoadedVault): Portfolio {
  return portfolioFromJson({ holdings: { ...v.config.initialHoldings }, pending: [], indexSeen: {} });
}

/**
 * The I/O shell around decideCycle: reads the source, journals every step, executes the plan through
 * the executor, and carries the portfolio from one cycle to the next. Paper, live and dry-run differ
 * only in the source and executor handed in.
 */
export class Keeper {
  private portfolio: Portfolio;
  private peakNav: bigint;
  private lastObserved: number;
  /** Only readings the plausibility gate trusts reach the market view. */
  private readonly market: TrustedMarket;
  private readonly settings: DecisionSettings;
  private running = false;
  /** Depeg episodes in progress (hysteresis), carried from one decision to the next. */
  private depegMemory: DepegMemory = NO_EPISODES;
  /** Readings seen so far, for strategies that look back (bounded so a long live run cannot grow without end). */
  private seen: Observation[] = [];

  private constructor(
    private readonly o: KeeperOptions,
    readonly runId: number,
    start: { portfolio: Portfolio; peakNav: bigint; lastObserved: number },
  ) {
    this.portfolio = start.portfolio;
    this.peakNav = start.peakNav;
    this.lastObserved = start.lastObserved;
    this.market = trustedMarketFor(o.vault);
    const c = o.vault.config;
    this.settings = { universe: o.vault.universe, limits: c.limits, breakers: c.breakers, planner: c.planner, incentiveHaircut: c.scoring.incentiveHaircut, trust: c.trust };
  }

  /**
   * Opens a run: reconciles whatever the last process left unfinished before any new work, then
   * resumes from the journal's latest portfolio (or the config's initial holdings).
   */
  static start(o: KeeperOptions, at: number): Keeper {
    if (isReconciling(o.executor)) {
      throw new Error('a live chain executor must reconcile in-flight transactions before any new work: open the keeper with Keeper.startReconciled');
    }
    return Keeper.open(o, at, Keeper.beginRun(o, at), undefined);
  }

  /**
   * Opens a run for a live chain executor: every in-flight transaction in the journal is reconciled
   * against the chain (confirmed, failed, replaced, dropped or rebroadcast) before anything else, and the
   * interrupted actions whose transactions confirmed are completed rather than abandoned.
   */
  static async startReconciled(o: KeeperOptions, at: number): Promise<Keeper> {
    if (!isReconciling(o.executor)) return Keeper.start(o, at);
    const runId = Keeper.beginRun(o, at);
    const inflight = await o.executor.reconcileInFlight(at);
    for (const line of inflight.lines) o.log.warn({ runId }, line);
    return Keeper.open(o, at, runId, inflight);
  }

  private static beginRun(o: KeeperOptions, at: number): number {
    return o.journal.startRun({ at, mode: o.mode, vault: o.vault.config.name, configHash: o.vault.hash, configJson: toJsonText('run config', o.vault.config) });
  }

  private static open(o: KeeperOptions, at: number, runId: number, inflight: InFlightOutcome | undefined): Keeper {
    const j = o.journal;
    const recovered = recoverUnfinished(j, o.executor.mode, at, inflight);
    for (const line of recovered) o.log.warn({ runId }, line);
    const latest = j.latestPortfolio(o.vault.config.name);
    const portfolio = latest?.portfolio ?? initialPortfolio(o.vault);
    const lastDecision = j.lastDecisionTime(o.vault.config.name);
    const peakNav = j.peakNav?.(o.vault.config.name) ?? latest?.navBase ?? 0n;
    const keeper = new Keeper(o, runId, { portfolio, peakNav, lastObserved: lastDecision ?? -Infinity });
    if (o.primeFromJournal) keeper.prime(at);
    return keeper;
  }

  private prime(at: number): void {
    const c = this.o.vault.config;
    const lookback = Math.max(parseDuration(c.apyWindow), parseDuration(c.breakers.staleData.maxAge)) * 2;
    const past = (this.o.journal.recentObservations?.(c.name, at - lookback) ?? []).filter((ob) => ob.time <= at);
    this.market.ingestAll(past);
    this.o.apyReference?.update(this.market.view(at));
    this.seen.push(...past);
    const last = past[past.length - 1];
    if (last) this.lastObserved = Math.max(this.lastObserved, last.time);
    this.o.log.info({ readings: past.length, since: new Date(at - lookback).toISOString() }, 'primed the market view from the journal');
  }

  get currentPortfolio(): Portfolio {
    return this.portfolio;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** One cycle at decision time `now`. Never throws for bad data: it fails closed and says why. */
  async runCycle(now: number): Promise<CycleReport> {
    if (this.running) throw new Error('a cycle is already running');
    this.running = true;
    try {
      return await this.cycle(now);
    } finally {
      this.running = false;
    }
  }

  private at(now: number): number {
    return this.o.clock ? this.o.clock() : now;
  }

  /**
   * Adopts what the executor reads as the vault's real balances (a chain executor; paper has none) and
   * journals any difference from the journal's estimate: 'holdings-drift' (warn) beyond 0.1 %, for
   * example funds moved outside the keeper, else 'holdings-synced' (info, e.g. interest the estimate
   * missed). Returns the error message when the read fails.
   */
  private async syncHoldings(cycleId: number, now: number): Promise<string | undefined> {
    const ex = this.o.executor;
    if (!ex.readHoldings) return undefined;
    let chain: ReadonlyMap<AssetId, bigint>;
    try {
      chain = await ex.readHoldings(this.o.vault.universe);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.o.journal.recordEvent({ cycleId, at: this.at(now), kind: 'holdings-read-failed', severity: 'critical', message: `could not read the vault's balances: ${message}` });
      return message;
    }
    const s = adoptChainHoldings(this.portfolio, chain);
    this.portfolio = s.portfolio;
    if (s.changes.length === 0) return undefined;
    const drift = s.changes.some((c) => c.relative > 0.001);
    const list = s.changes.map((c) => `${c.asset} ${c.journal} → ${c.chain}`).join(', ');
    this.o.journal.recordEvent({
      cycleId,
      at: this.at(now),
      kind: drift ? 'holdings-drift' : 'holdings-synced',
      severity: drift ? 'warn' : 'info',
      message: `holdings taken from the chain (journal → chain, base units): ${list}`,
      data: { changes: s.changes.map((c) => ({ asset: c.asset, journal: c.journal.toString(), chain: c.chain.toString(), relative: c.relative })) },
    });
    return undefined;
  }

  private async cycle(now: number): Promise<CycleReport> {
    const { journal: j, vault } = this.o;
    const u = vault.universe;
    const cycleId = j.beginCycle({ runId: this.runId, decisionTime: now, at: this.at(now) });
    const report = (status: CycleReport['status'], extra: Partial<CycleReport>): CycleReport => ({
      cycleId, time: now, status, navBase: 0n, current: {}, targets: undefined, planned: 0, filled: 0, failed: 0, costBase: 0n, firings: [], note: undefined, ...extra,
    });

    // read → validate (the source validates) → journal what is new this cycle
    let observations: readonly Observation[];
    let failures;
    try {
      const read = await this.o.source.read(now);
      observations = read.observations;
      failures = read.failures;
    } catch (e) {
      failures = [{ source: this.o.source.name, assets: [], message: (e as Error).message }];
      observations = [];
    }
    // Stale is not broken: a reading no newer than its source's newest is ignored and journaled, and a
    // quarantined one waits for confirmation; neither fails the cycle.
    const verdicts = this.market.ingestAll(observations);
    const stale = new Set(verdicts.flatMap((v) => (v.kind === 'stale' ? [v.reading] : [])));
    this.seen.push(...observations.filter((o) => !stale.has(o)));
    if (this.seen.length > 500_000) this.seen = this.seen.slice(-250_000);
    // A replay hands back history the journal already holds after a restart; a primed live keeper's gate knows what it has seen.
    const fresh = observations.filter((o) => !stale.has(o) && (this.o.primeFromJournal || o.time > this.lastObserved));
    j.recordObservations(cycleId, fresh);
    // A replay restarted from the top re-judges history the journal already holds: say only what is new
    // (a fresh gate finds nothing stale in it, so every stale reading is news).
    for (const v of verdicts) if (v.kind === 'stale' || this.o.primeFromJournal || verdictTime(v) > this.lastObserved) j.recordEvent({ cycleId, at: this.at(now), ...verdictEvent(v) });
    if (observations.length) this.lastObserved = Math.max(this.lastObserved, (observations[observations.length - 1] as Observation).time);
    j.recordStage(cycleId, 'observed', this.at(now));

    const held = new Set<AssetId>([...this.portfolio.holdings.keys(), ...this.portfolio.pending.map((r) => r.asset)]);
    const blocking = failures.filter((f) => f.assets.length === 0 || f.assets.some((a) => held.has(a)));
    for (const f of failures) {
      j.recordEvent({ cycleId, at: this.at(now), kind: 'source-failed', severity: blocking.includes(f) ? 'critical' : 'warn', message: `${f.source}: ${f.message}`, data: { assets: f.assets } });
    }
    const snapshot = this.market.view(now);
    this.o.apyReference?.update(snapshot);
    this.portfolio = accrueRebasing(u, snapshot, this.portfolio);
    // Fail closed: no plan, the cycle ends 'failed' with why, valued at what is known.
    const failClosed = (rationale: string, summary: Record<string, unknown>, note: string): CycleReport => {
      const v = valuePortfolio(u, snapshot, this.portfolio);
      const current = currentWeights(u, v);
      j.recordDecision(cycleId, { strategy: this.o.strategy.name, weights: current, rationale: [`no plan: ${rationale} (fail closed)`], halted: true });
      j.endCycle(cycleId, this.at(now), 'failed', summary);
      return report('failed', { navBase: v.nav, current, note });
    };
    const holdingsError = await this.syncHoldings(cycleId, now);
    if (holdingsError !== undefined) {
      return failClosed("the vault's balances could not be read", { reason: 'holdings read failed', message: holdingsError }, `holdings read failed: ${holdingsError}`);
    }
    if (blocking.length > 0) {
      return failClosed('a source covering a held asset failed', { reason: 'source failure', sources: blocking.map((f) => f.source) }, `source failed: ${blocking.map((f) => f.source).join(', ')}`);
    }

    const quarantined = new Map([...this.market.quarantined()].map(([id, q]) => [id, q.message]));
    const d = decideCycle({ settings: this.settings, strategy: this.o.strategy, params: this.o.params, solver: this.o.solver, snapshot, portfolio: this.portfolio, peakNav: this.peakNav, now, history: { rows: this.seen }, quarantined, depegMemory: this.depegMemory });
    this.depegMemory = d.depeg.memory;
    for (const [asset, reason] of d.frozen) if (held.has(asset)) j.recordEvent({ cycleId, at: this.at(now), ...frozenHeldEvent(asset, reason) });
    j.recordPortfolio({ cycleId, at: this.at(now), navBase: d.valuation.nav, portfolio: this.portfolio, marks: d.valuation.marks });
    if (d.valuation.nav > this.peakNav) this.peakNav = d.valuation.nav;
    for (const f of d.firings) {
      const severity = f.action === 'halt' || (f.held && f.action === 'derisk') ? 'critical' : f.held ? 'warn' : 'info';
      j.recordEvent({ cycleId, at: this.at(now), kind: `breaker:${f.breaker}`, severity, asset: f.asset, message: `${f.message} → ${f.action}`, data: { ...f.data, action: f.action, held: f.held } });
    }
    for (const f of d.trust.flags) {
      j.recordEvent({ cycleId, at: this.at(now), kind: `trust:${f.kind}`, severity: 'warn', asset: f.asset, message: f.message, data: f.data });
    }
    j.recordScores(cycleId, d.scores);
    j.recordStage(cycleId, 'scored', this.at(now));

    if (d.halt !== undefined || !d.decision) {
      j.recordDecision(cycleId, { strategy: this.o.strategy.name, weights: { ...d.current }, rationale: [d.halt ?? 'no decision', ...(d.decision?.rationale ?? [])], halted: true });
      j.recordEvent({ cycleId, at: this.at(now), kind: d.breaches.length ? 'decision-rejected' : 'halted', severity: 'critical', message: d.halt ?? 'no decision' });
      j.endCycle(cycleId, this.at(now), 'halted', { reason: d.halt, nav: d.valuation.nav.toString() });
      return report('halted', { navBase: d.valuation.nav, current: d.current, firings: d.firings, note: d.halt });
    }
    j.recordDecision(cycleId, { strategy: this.o.strategy.name, weights: { ...d.decision.weights }, rationale: [...d.decision.rationale, ...d.plan.skipped.map((s) => `skipped: ${s}`)], halted: false });
    const ids = j.recordActions(cycleId, d.plan.actions, this.at(now));
    j.recordStage(cycleId, 'planned', this.at(now));

    let filled = 0;
    let failed = 0;
    let cost = 0n;
    // A multisig proposer takes the whole plan at once (one proposal per cycle); every other executor action by action.
    const atOnce = isPlanExecutor(this.o.executor) ? this.o.executor : undefined;
    if (atOnce) {
      const ctx = { universe: u, snapshot, now, cycleId, rationale: d.decision.rationale, firings: d.firings };
      const r = await executePlanAtOnce({ journal: j, executor: atOnce, actions: d.plan.actions, ids, portfolio: this.portfolio, ctx, at: () => this.at(now) });
      ({ filled, failed, cost } = r);
      this.portfolio = r.portfolio;
    }
    for (const [k, action] of (atOnce ? [] : d.plan.actions).entries()) {
      const id = ids[k] as number;
      const halted = haltReasonOf(this.o.executor);
      if (halted !== undefined) {
        j.recordActionStatus(id, 'skipped', this.at(now), { reason: `vault halted: ${halted}` });
        continue;
      }
      j.recordActionStatus(id, 'intent', this.at(now));
      // The journal ids ride along with the context so a chain executor can journal its transactions.
      const ctx: ExecutionContext & { actionId: number; cycleId: number } = {
        universe: u,
        snapshot,
        now,
        onStatus: (status, detail) => j.recordActionStatus(id, status, this.at(now), detail),
        actionId: id,
        cycleId,
      };
      const r = await this.o.executor.execute(action, this.portfolio, ctx);
      if (r.fill) j.recordFill(id, r.fill);
      j.recordActionStatus(id, r.status, this.at(now), r.detail);
      if (r.status === 'confirmed') {
        filled++;
        cost += (r.fill?.costBase ?? 0n) - (r.fill?.gainBase ?? 0n);
        this.portfolio = r.portfolio;
      } else if (r.status === 'failed') {
        failed++;
        j.recordEvent({ cycleId, at: this.at(now), kind: 'action-failed', severity: 'warn', asset: action.from, message: `${action.kind} ${action.from}→${action.to} failed: ${String(r.detail.reason ?? 'unknown')}`, data: r.detail });
      }
    }
    const after = valuePortfolio(u, snapshot, this.portfolio);
    const current = currentWeights(u, after);
    j.recordPortfolio({ cycleId, at: this.at(now), navBase: after.nav, portfolio: this.portfolio, marks: after.marks });
    j.endCycle(cycleId, this.at(now), 'completed', { nav: after.nav.toString(), peakNav: this.peakNav.toString(), actions: d.plan.actions.length, filled, failed, costBase: cost.toString() });
    return report('completed', { navBase: after.nav, navBefore: d.valuation.nav, queued: after.nav > 0n ? Number(after.pendingBase) / Number(after.nav) : 0, current, targets: d.decision.weights, planned: d.plan.actions.length, filled, failed, costBase: cost, firings: d.firings });
  }
}
