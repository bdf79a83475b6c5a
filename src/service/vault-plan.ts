import type { Logger } from 'pino';
import type { AlertableEvent } from '../alerts/webhook-alerts.js';
import type { LoadedVault } from '../config/load-vault.js';
import type { Journal } from '../journal/journal.js';
import type { CycleReport } from '../keeper/cycle-report.js';
import type { YieldSource } from '../sources/yield-source.js';
import type { LpSolver } from '../strategy/lp-solver.js';
import type { Strategy } from '../strategy/strategy.js';
import type { FleetSchedule } from './fleet-config.js';
import type { VaultStatus } from './vault-status.js';
import type { ReadOutcome } from './watched-source.js';

/** Everything one vault of the fleet runs with, loaded and validated before the service starts. */
export interface VaultPlan {
  readonly vault: LoadedVault;
  readonly strategy: Strategy<unknown>;
  readonly params: unknown;
  readonly solver: LpSolver;
  readonly journalPath: string;
  readonly schedule: FleetSchedule;
  readonly feed: 'recorded' | 'live';
  readonly executor: string;
  readonly live: boolean;
  readonly historyPath: string | undefined;
  readonly replay: { from?: string | undefined; to?: string | undefined; step?: string | undefined } | undefined;
}

export interface VaultAlerts {
  flush(): Promise<void>;
  /** A cycle ended at this decision time (daily digests). */
  cycleDone?(decisionTime: number): void;
}

/** What the rest of the service hears from a vault: cycles, source reads, journaled events. */
export interface VaultObserver {
  cycle(s: VaultStatus, report: CycleReport | undefined, durationMs: number): void;
  sourceRead(s: VaultStatus, o: ReadOutcome): void;
  event(s: VaultStatus, e: AlertableEvent): void;
}

export interface RunnerDeps {
  readonly log: Logger;
  readonly observer: VaultObserver;
  /** Alert channels for the vault's journal; the returned flush waits for deliveries in flight. */
  readonly alerts?: ((journal: Journal, plan: VaultPlan) => VaultAlerts) | undefined;
  /** Tests: wrap the vault's source (e.g. to make it fail on demand). */
  readonly wrapSource?: ((name: string, s: YieldSource) => YieldSource) | undefined;
}
