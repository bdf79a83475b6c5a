import type { Logger } from 'pino';
import { attachAlertHub } from '../alerts/alert-hub.js';
import type { Journal } from '../journal/journal.js';
import type { LoadedFleet } from './fleet-config.js';
import type { VaultPlan } from './vault-runner.js';

/** The serve command's alerts for one vault: the vault config's own section plus the fleet file's. */
export function attachFleetAlerts(log: Logger) {
  return (journal: Journal, plan: VaultPlan, fleet: LoadedFleet) =>
    attachAlertHub(journal, [plan.vault.config.alerts, fleet.config.alerts], {
      vault: plan.vault.config.name,
      baseAsset: plan.vault.universe.baseAsset,
      baseDecimals: plan.vault.universe.baseDecimals,
      log: log.child({ vault: plan.vault.config.name }),
    });
}
