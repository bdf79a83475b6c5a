import type { Logger } from 'pino';
import { loadVault } from '../config/load-vault.js';
import { ConfigError, KeeperError, type Issue } from '../errors.js';
import { loadSolver } from '../strategy/load-solver.js';
import { loadStrategy, parseStrategyParams } from '../strategy/load-strategy.js';
import { checkFleetUnique, type LoadedFleet } from './fleet-config.js';
import { baseUnitsToNumber, FleetMetrics } from './metrics.js';
import { dailyCapOf } from './spend-cap.js';
import { refuseNewJournalElsewhere } from '../keeper/new-journal-guard.js';
import { indexedIdentity } from '../keeper/vault-identity.js';
import { VaultRunner, type RunnerDeps, type VaultObserver, type VaultPlan } from './vault-runner.js';

/**
 * Loads and validates every vault of the fleet before anything runs: a configuration problem anywhere
 * refuses the whole start (all problems listed, as `run` does), whereas anything that goes wrong once
 * running stays inside its vault.
 */
export async function planFleet(fleet: LoadedFleet, o: { fresh?: boolean | undefined; warn?: ((m: string) => void) | undefined } = {}): Promise<VaultPlan[]> {
  const plans: VaultPlan[] = [];
  const issues: Issue[] = [];
  for (const [i, e] of fleet.vaults.entries()) {
    try {
      const vault = loadVault(e.configPath);
      const strategy = await loadStrategy(vault.config.strategy.name);
      const params = parseStrategyParams(strategy, vault.config.strategy.params, vault.file);
      const solver = await loadSolver(vault.config.optimizer.solver);
      plans.push({
        vault,
        strategy,
        params,
        solver,
        journalPath: e.journalPath ?? vault.paths.journal,
        schedule: e.schedule ?? { cron: vault.config.schedule.cron },
        feed: e.feed ?? vault.config.feed,
        executor: e.executor,
        live: e.live,
        historyPath: e.historyPath,
        replay: e.replay,
      });
    } catch (err) {
      if (err instanceof ConfigError) issues.push(...err.issues.map((x) => ({ ...x, where: `vaults.${i} (${e.config}) ${x.where}` })));
      else if (err instanceof KeeperError) issues.push({ where: `${fleet.file} vaults.${i}`, value: e.config, expected: err.message });
      else throw err;
    }
  }
  if (issues.length) throw new ConfigError(fleet.file, issues);
  checkFleetUnique(fleet.file, plans.map((p) => ({ name: p.vault.config.name, journal: p.journalPath })));
  // A vault whose journal path is new while the vault index knows its journal elsewhere refuses the whole start.
  for (const p of plans) {
    const id = indexedIdentity(p.vault.config, p.feed, p.executor);
    if (id) refuseNewJournalElsewhere(id, p.journalPath, { fresh: o.fresh, warn: o.warn ?? (() => {}) });
  }
  return plans;
}

/** Several vaults in one process: a runner each, one metrics registry, one shutdown. */
export class Fleet {
  readonly runners: VaultRunner[];
  readonly metrics: FleetMetrics;

  constructor(plans: readonly VaultPlan[], deps: Omit<RunnerDeps, 'observer'> & { observers?: readonly VaultObserver[] }) {
    this.metrics = new FleetMetrics(() => this.runners);
    const observers: VaultObserver[] = [this.metrics, ...(deps.observers ?? [])];
    // One observer failing (a metrics bug, an alert formatter) must not reach the keeper's cycle.
    const safe = <A extends unknown[]>(f: (o: VaultObserver) => (...a: A) => void) => (...a: A) => {
      for (const o of observers) {
        try {
          f(o).apply(o, a);
        } catch (e) {
          deps.log.error({ err: (e as Error).message }, 'observer failed');
        }
      }
    };
    const observer: VaultObserver = { cycle: safe((o) => o.cycle), sourceRead: safe((o) => o.sourceRead), event: safe((o) => o.event) };
    this.runners = plans.map((p) => new VaultRunner(p, { ...deps, observer }));
    for (const r of this.runners) {
      this.metrics.register(r.status);
      const cap = dailyCapOf(r.plan);
      if (cap !== undefined) this.metrics.setSpendCap(r.status.name, baseUnitsToNumber(cap, r.status.baseDecimals));
    }
  }

  runner(name: string): VaultRunner | undefined {
    return this.runners.find((r) => r.status.name === name);
  }

  /** Starts every vault; one that cannot start shows in its status and is retried on its schedule. */
  async start(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.start()));
  }

  /** Stops every vault, each waiting up to `graceMs` for its cycle in progress. */
  async stop(graceMs: number): Promise<Array<{ vault: string; abandoned: boolean }>> {
    return Promise.all(this.runners.map(async (r) => ({ vault: r.status.name, ...(await r.stop(graceMs)) })));
  }
}

export type { Logger };
