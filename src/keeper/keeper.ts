import { NO_EPISODES, type DepegMemory } from '../risk/depeg-episodes.js';
import { runConfigJson } from './run-config.js';
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
import { decideCycle, type DecisionSettings } from './decide-cycle.js';
import { syncChainPending } from './pending-sync.js';
import { adoptChainHoldings } from './holdings-sync.js';
import { haltReasonOf, isReconciling, recoverUnfinished, type InFlightOutcome } from './recover.js';
import { trustedMarketFor } from './trusted-market-for.js';
import { frozenHeldEvent, verdictEvent, verdictTime } from './trust-events.js';
import { executePlanAtOnce, showHaltToPlanExecutor } from './plan-at-once.js';
import type { PendingRedo } from '../journal/redo-port.js';
import { continueInterrupted, holdingsAfterExecuted } from './redo-plan.js';
import { MEMORY_KEY, memoryFromSummary, memorySummary } from './carried-memory.js';

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
    return o.journal.startRun({ at, mode: o.mode, vault: o.vault.config.name, configHash: o.vault.hash, configJson: runConfigJson(o.vault.config, o.strategy.name, o.params) });
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
    keeper.depegMemory = memoryFromSummary(j.redo?.lastCarried(o.vault.config.name, MEMORY_KEY));
    if (o.primeFromJournal) {
      // A live source cannot read the past: a redo decides on the readings journaled up to its decision
      // time, so the market view is primed that far first, and the rest after the redo.
      const owed = j.redo?.pendingRedo(o.vault.config.name);
      if (owed && owed.decisionTime < at) {
        keeper.prime(owed.decisionTime);
        keeper.primeLater = { after: owed.decisionTime, until: at };
      } else keeper.prime(at);
    }
    return keeper;
  }

  /** What is left to prime once a redo has decided on the readings up to its own time. */
  private primeLater: { after: number; until: number } | undefined;

  private prime(at: number, after = -Infinity): void {
    const c = this.o.vault.config;
    const lookback = Math.max(parseDuration(c.apyWindow), parseDuration(c.breakers.staleData.maxAge)) * 2;
    const past = (this.o.journal.recentObservations?.(c.name, at - lookback) ?? []).filter((ob) => ob.time <= at && ob.time > after);
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
    this.finishPriming();
    return this.guarded(() => this.cycle(now, undefined));
  }

  /**
   * Makes again the decision a crash interrupted, if one is owed: at its own decision time, from the same
   * readings, continuing from what was already executed (see redo-plan.ts). Call after start, before new
   * cycles. Idempotent: a redo interrupted in turn is owed again, and an executed action is never redone.
   */
  async redoInterrupted(): Promise<CycleReport[]> {
    const pending = this.o.journal.redo?.pendingRedo(this.o.vault.config.name);
    if (!pending) return [];
    const late = this.primeLater ? this.primeLater.until - pending.decisionTime : 0;
    const maxAge = parseDuration(this.o.vault.config.breakers.staleData.maxAge);
    if (late > maxAge) {
      // Live only: a decision older than the data-staleness bound is not acted on any more.
      this.o.journal.recordEvent({ cycleId: pending.interrupted, at: this.at(pending.decisionTime), kind: 'redo-expired', severity: 'warn', message: `cycle ${pending.interrupted} (decision ${new Date(pending.decisionTime).toISOString()}) is not redone: its readings are ${Math.round(late / 60_000)} min old, beyond the staleness bound (${this.o.vault.config.breakers.staleData.maxAge}); the next cycle decides afresh`, data: { lateMs: late } });
      this.finishPriming();
      return [];
    }
    try {
      return [await this.guarded(() => this.cycle(pending.decisionTime, pending))];
    } finally {
      this.finishPriming();
    }
  }

  private finishPriming(): void {
    if (!this.primeLater) return;
    this.prime(this.primeLater.until, this.primeLater.after);
    this.primeLater = undefined;
  }

  private async guarded(fn: () => Promise<CycleReport>): Promise<CycleReport> {
    if (this.running) throw new Error('a cycle is already running');
    this.running = true;
    try {
      return await fn();
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

  /** The chain's pending redemptions replace the journal's, each difference journaled (pending-sync.ts). */
  private async syncPending(cycleId: number, now: number): Promise<string | undefined> {
    const r = await syncChainPending({ executor: this.o.executor, universe: this.o.vault.universe, portfolio: this.portfolio, journal: this.o.journal, cycleId, at: this.at(now), now });
    this.portfolio = r.portfolio;
    return r.error;
  }

  private async cycle(now: number, redo: PendingRedo | undefined): Promise<CycleReport> {
    const { journal: j, vault } = this.o;
    const u = vault.universe;
    const cycleId = redo && j.redo ? j.redo.beginRedoCycle({ runId: this.runId, redoOf: redo.interrupted, at: this.at(now) }) : j.beginCycle({ runId: this.runId, decisionTime: now, at: this.at(now) });
    // A redo journals only the readings its interrupted cycle did not get to journal.
    if (redo) this.lastObserved = j.redo?.lastObservationTime(vault.config.name) ?? -Infinity;
    const report = (status: CycleReport['status'], extra: Partial<CycleReport>): CycleReport => ({
      cycleId, time: now, status, navBase: 0n, current: {}, targets: undefined, planned: 0, filled: 0, failed: 0, costBase: 0n, firings: [], note: undefined, ...extra,
    });

    // read → validate (the source validates) → journal what is new this cycle
    let observations: readonly Observation[];
    let failures;
    try {
      // A live redo decides on the journaled readings the market view was primed with; a replay reads its window again.
      const read = redo && this.primeLater ? { observations: [], failures: [] } : await this.o.source.read(now);
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
      // A redo's executed actions changed the holdings: the next start must find them.
      if (redo) j.recordPortfolio({ cycleId, at: this.at(now), navBase: v.nav, portfolio: this.portfolio, marks: v.marks });
      j.endCycle(cycleId, this.at(now), 'failed', { ...summary, ...memorySummary(this.depegMemory) });
      return report('failed', { note, navKnown: false });
    };
    const holdingsError = (await this.syncHoldings(cycleId, now)) ?? (await this.syncPending(cycleId, now));
    // A redo decides on the holdings its decision was made on, and executes from the holdings as they are
    // now: after the actions already executed (paper), or as the chain reports them (a chain executor).
    const decidedOn = redo?.decisionHoldings ?? this.portfolio;
    if (redo && !this.o.executor.readHoldings) this.portfolio = holdingsAfterExecuted(redo.executed, decidedOn);
    if (holdingsError !== undefined) {
      return failClosed("the vault's balances could not be read", { reason: 'holdings read failed', message: holdingsError }, `holdings read failed: ${holdingsError}`);
    }
    if (blocking.length > 0) {
      return failClosed('a source covering a held asset failed', { reason: 'source failure', sources: blocking.map((f) => f.source) }, `source failed: ${blocking.map((f) => f.source).join(', ')}`);
    }

    const quarantined = new Map([...this.market.quarantined()].map(([id, q]) => [id, q.message]));
    const memory = this.depegMemory;
    const decide = (portfolio: Portfolio) =>
      decideCycle({ settings: this.settings, strategy: this.o.strategy, params: this.o.params, solver: this.o.solver, snapshot, portfolio, peakNav: this.peakNav, now, history: { rows: this.seen }, quarantined, depegMemory: memory });
    let basis = decidedOn;
    let d = decide(basis);
    let toExecute = d.plan.actions;
    let carried: PendingRedo['executed'] = [];
    if (redo) {
      const c = continueInterrupted(d.plan.actions, redo.executed);
      const head = `redo of cycle ${redo.interrupted} (interrupted after stage "${redo.lastStage ?? 'begin'}"): its decision at ${new Date(now).toISOString()} made again from the same readings`;
      if (c.kind === 'continue') {
        carried = c.executed;
        toExecute = c.remaining;
        const list = carried.map((e) => `#${e.action.seq} ${e.status} (action ${e.actionId} of cycle ${e.cycleId})`).join(', ');
        j.recordEvent({ cycleId, at: this.at(now), kind: 'cycle-redo', severity: 'warn', message: `${head}; ${carried.length} action(s) already executed and kept${list ? `: ${list}` : ''}; ${toExecute.length} of ${d.plan.actions.length} to execute`, data: { redoOf: redo.interrupted, chain: redo.chain, kept: carried.map((e) => e.actionId), remaining: toExecute.map((a) => a.seq) } });
      } else {
        j.recordEvent({ cycleId, at: this.at(now), kind: 'redo-diverged', severity: 'warn', message: `${head}, but ${c.reason}; planned again against the holdings as they are now`, data: { redoOf: redo.interrupted, chain: redo.chain, kept: redo.executed.map((e) => e.actionId) } });
        basis = this.portfolio;
        d = decide(basis);
        toExecute = d.plan.actions;
      }
    }
    this.depegMemory = d.depeg.memory;
    for (const [asset, reason] of d.frozen) if (held.has(asset)) j.recordEvent({ cycleId, at: this.at(now), ...frozenHeldEvent(asset, reason) });
    j.recordPortfolio({ cycleId, at: this.at(now), navBase: d.valuation.nav, portfolio: basis, marks: d.valuation.marks });
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
      if (isPlanExecutor(this.o.executor)) {
        await showHaltToPlanExecutor({ journal: j, executor: this.o.executor, portfolio: this.portfolio, ctx: { universe: u, snapshot, now, cycleId, rationale: [d.halt ?? 'no decision'], firings: d.firings }, at: () => this.at(now) });
      }
      j.endCycle(cycleId, this.at(now), 'halted', { reason: d.halt, nav: d.valuation.nav.toString(), ...memorySummary(this.depegMemory) });
      return report('halted', { navBase: d.valuation.nav, current: d.current, firings: d.firings, note: d.halt, queuedBase: d.valuation.pendingBase });
    }
    j.recordDecision(cycleId, { strategy: this.o.strategy.name, weights: { ...d.decision.weights }, rationale: [...d.decision.rationale, ...d.plan.skipped.map((s) => `skipped: ${s}`)], halted: false });
    const ids = j.recordActions(cycleId, toExecute, this.at(now));
    j.recordStage(cycleId, 'planned', this.at(now));

    let filled = 0;
    let failed = 0;
    let cost = 0n;
    // A multisig proposer takes the whole plan at once (one proposal per cycle); every other executor action by action.
    const atOnce = isPlanExecutor(this.o.executor) ? this.o.executor : undefined;
    if (atOnce) {
      const ctx = { universe: u, snapshot, now, cycleId, rationale: d.decision.rationale, firings: d.firings };
      const r = await executePlanAtOnce({ journal: j, executor: atOnce, actions: toExecute, ids, portfolio: this.portfolio, ctx, at: () => this.at(now) });
      ({ filled, failed, cost } = r);
      this.portfolio = r.portfolio;
    }
    for (const [k, action] of (atOnce ? [] : toExecute).entries()) {
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
      // The outcome is one write: a fill, its status and the holdings after it are journaled together or
      // not at all, so a redo after a crash knows exactly what this action did.
      const record = () => {
        if (r.fill) j.recordFill(id, r.fill);
        j.recordActionStatus(id, r.status, this.at(now), r.detail);
        if (r.status === 'confirmed') j.redo?.recordActionHoldings(id, this.at(now), r.portfolio);
      };
      if (j.redo) j.redo.atomically(record);
      else record();
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
    const kept = { filled: carried.filter((e) => e.status === 'confirmed').length, failed: carried.filter((e) => e.status === 'failed').length };
    const redone = redo ? { redoOf: redo.interrupted, kept: carried.map((e) => e.actionId) } : {};
    j.endCycle(cycleId, this.at(now), 'completed', { nav: after.nav.toString(), peakNav: this.peakNav.toString(), actions: d.plan.actions.length, filled: filled + kept.filled, failed: failed + kept.failed, costBase: cost.toString(), ...redone, ...memorySummary(this.depegMemory) });
    return report('completed', { navBase: after.nav, navBefore: d.valuation.nav, current, targets: d.decision.weights, planned: d.plan.actions.length, filled: filled + kept.filled, failed: failed + kept.failed, costBase: cost, firings: d.firings, queuedBase: after.pendingBase });
  }
}
