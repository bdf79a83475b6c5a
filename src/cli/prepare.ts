import type { Logger } from 'pino';
import { loadVault, type LoadedVault } from '../config/load-vault.js';
import { recordedWindow, type ReplayWindow } from '../keeper/replay-window.js';
import { ConfigError } from '../errors.js';
import { openJournal } from '../journal/open-journal.js';
import { withJournalFailpoints } from '../journal/journal-failpoints.js';
import type { Journal } from '../journal/journal.js';
import { attachAlertHub } from '../alerts/alert-hub.js';
import { InstanceLease } from '../keeper/instance-lease.js';
import { ReplaySource } from '../sources/recorded/replay-source.js';
import { loadSolver } from '../strategy/load-solver.js';
import { checkStrategyParams, loadNamedStrategy } from './strategy-params.js';
import type { LpSolver } from '../strategy/lp-solver.js';
import type { Strategy } from '../strategy/strategy.js';
import { makeLogger } from './logger.js';

export interface CommonOptions {
  config: string;
  strategy?: string;
  param?: string[];
  journal?: string;
  from?: string;
  to?: string;
  logLevel?: string;
}

export { parseParamOverrides } from './strategy-params.js';

export interface Prepared {
  readonly vault: LoadedVault;
  readonly strategy: Strategy<unknown>;
  readonly params: unknown;
  readonly solver: LpSolver;
  readonly log: Logger;
  readonly journalPath: string;
  /** The strategy and params this run actually uses (after --strategy and --param), for the run's journaled config. */
  readonly overrides: { readonly strategy: string; readonly params: unknown };
}

/** Loads and validates everything a command needs before anything runs; throws ConfigError on any problem. */
export async function prepare(o: CommonOptions): Promise<Prepared> {
  const vault = loadVault(o.config);
  const name = o.strategy ?? vault.config.strategy.name;
  const strategy = await loadNamedStrategy(name, o.strategy ? '--strategy' : `${vault.source?.locate(['strategy', 'name']) ?? vault.file} strategy.name`);
  const useFileParams = !(o.strategy && o.strategy !== vault.config.strategy.name);
  const params = checkStrategyParams(strategy, vault, o.param, useFileParams);
  const solver = await loadSolver(vault.config.optimizer.solver);
  const log = makeLogger(o.logLevel);
  if (vault.defaultsApplied?.length) log.info({ defaults: vault.defaultsApplied }, 'safety settings not written in the config; conservative defaults applied');
  return { vault, strategy, params, solver, log, journalPath: o.journal ?? vault.paths.journal, overrides: { strategy: strategy.name, params } };
}

/**
 * Sends the journal's events to the vault's alert channels (webhook, Slack, Discord, Telegram), if any are configured. The returned flush waits
 * for deliveries in flight (call it before the command exits).
 */
export function attachAlerts(journal: Journal, vault: LoadedVault, log: Logger): { flush(): Promise<void> } {
  return attachAlertHub(journal, [vault.config.alerts], { vault: vault.config.name, baseAsset: vault.universe.baseAsset, baseDecimals: vault.universe.baseDecimals, log });
}

/**
 * Opens the vault's journal for a command that writes runs to it, holding the instance lease (one keeper
 * per journal; instance-lease.ts) until the journal is closed. Pass an already-taken lease when the
 * command needed it earlier (run --fresh takes it before moving an old journal aside).
 */
export function openVaultJournal(path: string, command: string, lease: InstanceLease = InstanceLease.acquire(path, command)): Journal {
  try {
    const journal = withJournalFailpoints(openJournal(path)); // the lease made the directory
    journal.onClose(() => lease.release());
    return journal;
  } catch (e) {
    lease.release();
    throw e;
  }
}

export function replaySource(vault: LoadedVault): ReplaySource {
  if (!vault.paths.history) throw new ConfigError(vault.file, [{ where: `${vault.file} history`, value: undefined, expected: 'a recorded-history file for paper mode (live sources are not configured)' }]);
  return ReplaySource.fromFile(vault.paths.history);
}

/** The recorded-time window a paper run steps through (one rule with `serve`: keeper/replay-window.ts). */
export function replayWindow(vault: LoadedVault, source: ReplaySource, o: { from?: string | undefined; to?: string | undefined }): ReplayWindow {
  return recordedWindow(vault, source, o);
}
