import type { Logger } from 'pino';
import { executorFor, executorKind } from '../chains/executor-factory.js';
import { ConfigError } from '../errors.js';
import { openJournal } from '../journal/open-journal.js';
import type { Journal } from '../journal/journal.js';
import { Keeper } from '../keeper/keeper.js';
import { InstanceLease } from '../keeper/instance-lease.js';
import { rememberJournal } from '../keeper/new-journal-guard.js';
import { indexedIdentity } from '../keeper/vault-identity.js';
import { OverlapGuard } from '../keeper/overlap-guard.js';
import type { YieldSource } from '../sources/yield-source.js';
import type { ReplayWindow } from '../keeper/replay-window.js';
import { describeSchedule, schedulePeriodMs, startSchedule, type RunningSchedule } from './schedule.js';
import { openFeed } from './vault-feed.js';
import type { RunnerDeps, VaultAlerts, VaultPlan } from './vault-plan.js';
import type { VaultStatus } from './vault-status.js';
import { WatchedSource } from './watched-source.js';

export type { RunnerDeps, VaultAlerts, VaultObserver, VaultPlan } from './vault-plan.js';

const message = (e: unknown) => (e instanceof ConfigError ? e.message.split('\n').slice(0, 3).join(' ') : e instanceof Error ? e.message : String(e));

/**
 * One vault of the fleet: its own lease, journal, source, executor, keeper and schedule. Nothing it does
 * throws out of it: a failure to start, a cycle that throws, a source that dies all land in its status
 * (and its journal when the journal is open), and the next tick tries again from the journal, the way a
 * restarted process would (an interrupted cycle is closed by the keeper's recovery).
 */
export class VaultRunner {
  readonly status: VaultStatus;
  readonly #guard = new OverlapGuard();
  readonly #log: Logger;
  #lease: InstanceLease | undefined;
  #journal: Journal | undefined;
  #alerts: VaultAlerts | undefined;
  #keeper: Keeper | undefined;
  #window: ReplayWindow | undefined;
  #schedule: RunningSchedule | undefined;
  #stopping = false;
  #next = 0;

  constructor(
    readonly plan: VaultPlan,
    private readonly deps: RunnerDeps,
  ) {
    const v = plan.vault;
    this.#log = deps.log.child({ vault: v.config.name });
    this.status = {
      name: v.config.name,
      chain: v.config.chain,
      baseAsset: v.universe.baseAsset,
      baseDecimals: v.universe.baseDecimals,
      feed: plan.feed,
      executor: plan.executor,
      schedule: describeSchedule(plan.schedule),
      periodMs: schedulePeriodMs(plan.schedule),
      journal: plan.journalPath,
      universe: v.universe.assets.map((a) => a.id),
      state: 'starting',
      mode: undefined,
      error: undefined,
      leaseHeld: false,
      startedAt: Date.now(),
      lastCycle: undefined,
      lastReport: undefined,
      lastRead: undefined,
      cycles: 0,
      errors: 0,
      skippedTicks: 0,
      nextDecisionTime: undefined,
      windowEnd: undefined,
    };
  }

  get journal(): Journal | undefined {
    return this.#journal;
  }

  /** Opens the vault (a failure is kept in its status, not thrown) and starts its schedule. */
  async start(): Promise<void> {
    await this.#openSafely();
    if (this.status.state !== 'finished') this.#schedule = startSchedule(this.plan.schedule, () => this.tick());
  }

  async #openSafely(): Promise<boolean> {
    try {
      await this.#open();
      this.status.state = 'running';
      return true;
    } catch (e) {
      this.#fail(e, 'could not start');
      return false;
    }
  }

  #fail(e: unknown, what: string): void {
    const m = message(e);
    this.status.state = 'error';
    this.status.error = { at: Date.now(), message: `${what}: ${m}` };
    this.status.errors++;
    this.#log.error({ err: m }, what);
  }

  async #open(): Promise<void> {
    const p = this.plan;
    const name = p.vault.config.name;
    if (!this.#lease?.held) {
      this.#lease = InstanceLease.acquire(p.journalPath, `serve ${name}`);
      this.status.leaseHeld = true;
    }
    if (!this.#journal) {
      const lease = this.#lease;
      const journal = openJournal(p.journalPath);
      const id = indexedIdentity(p.vault.config, p.feed, p.executor);
      if (id) rememberJournal(id, p.journalPath, { warn: (m) => this.#log.warn(m) });
      journal.onClose(() => {
        lease.release();
        this.status.leaseHeld = false;
      });
      journal.onEvent((e) => this.deps.observer.event(this.status, e));
      this.#journal = journal;
      try {
        this.#alerts = this.deps.alerts?.(journal, p);
      } catch (e) {
        // A channel that cannot be set up (a missing secret) must not keep the vault from running.
        this.#log.error({ err: message(e) }, 'alerts not attached');
        journal.recordEvent({ at: Date.now(), kind: 'alerts-unavailable', severity: 'warn', message: `alert channels not attached: ${message(e)}` });
      }
    }
    const journal = this.#journal;
    const kind = executorKind({ executor: p.executor, live: p.live });
    const { executor, mode } = await executorFor(kind, p.vault, journal, { live: p.live, log: this.#log }, p.feed === 'live' ? 'paper-live' : 'paper');
    this.status.mode = mode;
    const feed = openFeed(p, journal);
    this.#window = feed.window;
    this.status.windowEnd = feed.window?.to;
    if (feed.window) {
      this.#next = feed.start;
      this.status.nextDecisionTime = feed.start;
    }
    const start = feed.start;
    const inner = feed.source;
    const wrapped = this.deps.wrapSource ? this.deps.wrapSource(name, inner) : inner;
    const source = new WatchedSource(wrapped as YieldSource & { lastTimings?: [] }, (o) => {
      this.status.lastRead = { ...o, at: Date.now() };
      this.deps.observer.sourceRead(this.status, o);
    });
    const recorded = p.feed === 'recorded';
    const keeper = await Keeper.startReconciled(
      { vault: p.vault, strategy: p.strategy, params: p.params, solver: p.solver, source, executor, journal, mode, log: this.#log, clock: recorded ? () => this.#next : undefined, primeFromJournal: !recorded, apyReference: feed.apyReference },
      start,
    );
    // A decision a crash interrupted is made again (same decision time, same readings) before any new one.
    // A redo that throws leaves no keeper, like a cycle that throws: the next open closes it and redoes it.
    for (const r of await keeper.redoInterrupted()) this.status.lastReport = r;
    this.#keeper = keeper;
    if (recorded && this.#window && this.#next > this.#window.to) this.status.state = 'finished';
  }

  /** One scheduled tick: (re)open if needed, then one cycle; a tick landing during a cycle is skipped. */
  async tick(): Promise<void> {
    await this.#guard.run(
      async () => {
        if (this.#stopping || this.status.state === 'finished') return;
        if (!this.#keeper && !(await this.#openSafely())) return;
        if ((this.status.state as string) === 'finished') return this.#finish();
        await this.#cycle();
      },
      () => {
        this.status.skippedTicks++;
        this.#journal?.recordEvent({ at: Date.now(), kind: 'tick-skipped', severity: 'warn', message: 'a scheduled tick arrived while the previous cycle was still running; skipped' });
      },
    );
  }

  #finish(): void {
    this.#schedule?.stop();
    this.#log.info('recorded window finished');
  }

  async #cycle(): Promise<void> {
    const keeper = this.#keeper as Keeper;
    const recorded = this.plan.feed === 'recorded';
    const t = recorded ? this.#next : Date.now();
    const wall = Date.now();
    const started = performance.now();
    try {
      const r = await keeper.runCycle(t);
      const durationMs = performance.now() - started;
      this.status.lastCycle = { at: wall, decisionTime: t, outcome: r.status, durationMs, cycleId: r.cycleId, note: r.note };
      this.status.lastReport = r;
      this.status.cycles++;
      this.status.state = 'running';
      this.status.error = undefined;
      if (recorded && this.#window) {
        this.#next = t + this.#window.step;
        this.status.nextDecisionTime = this.#next;
        if (this.#next > this.#window.to) {
          this.status.state = 'finished';
          this.#finish();
        }
      }
      this.deps.observer.cycle(this.status, r, durationMs);
      this.#alerts?.cycleDone?.(t);
    } catch (e) {
      const durationMs = performance.now() - started;
      // The keeper may have left its cycle open: drop it, and the next tick reopens from the journal,
      // whose recovery closes that cycle as interrupted before any new work.
      this.#keeper = undefined;
      this.#fail(e, 'cycle threw');
      this.status.lastCycle = { at: wall, decisionTime: t, outcome: 'error', durationMs, cycleId: undefined, note: message(e) };
      try {
        this.#journal?.recordEvent({ at: Date.now(), kind: 'cycle-error', severity: 'critical', message: `cycle at ${new Date(t).toISOString()} threw: ${message(e)}` });
      } catch (je) {
        this.#log.error({ err: message(je) }, 'could not journal the cycle error');
      }
      this.deps.observer.cycle(this.status, undefined, durationMs);
    }
  }

  /**
   * Stops the schedule and waits up to `graceMs` for a cycle in progress. A finished vault closes its
   * journal, releasing the lease. One still running after the grace is abandoned: its journal stays
   * open until the process exits (which drops the lease), and the next start closes the cycle as
   * interrupted and abandons its open actions before any new work — the crash path, which is tested.
   */
  async stop(graceMs: number): Promise<{ abandoned: boolean }> {
    this.#stopping = true;
    this.#schedule?.stop();
    const until = Date.now() + graceMs;
    while (this.#guard.running && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const abandoned = this.#guard.running;
    await Promise.race([this.#alerts?.flush(), new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())).unref())]);
    if (abandoned) {
      this.#log.warn('a cycle was still running at shutdown: abandoned; the next start closes it as interrupted');
    } else {
      this.#journal?.close();
      this.#journal = undefined;
      if (this.#lease?.held) this.#lease.release();
      this.status.leaseHeld = false;
    }
    this.status.state = 'stopped';
    return { abandoned };
  }
}
