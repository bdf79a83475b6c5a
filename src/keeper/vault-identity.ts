import type { VaultConfig } from '../config/vault-schema.js';

/** Which executor a run uses (the same names as --executor). */
export type RunExecutor = 'paper' | 'evm' | 'safe' | 'solana' | 'squads';

/**
 * What a journal keeps the state of, as the vault index knows it. A paper vault is its name. A chain
 * executor acts on an account on a chain, and that account is the vault whatever a config calls it: two
 * configs (or an EVM-key and a Safe setup) naming the same address on the same chain are one vault, and
 * two configs that share a name but point at different accounts are two.
 */
export interface VaultIdentity {
  /** The index key: `paper:<name>`, `evm:<chainId>:<address>` or `solana:<cluster>:<address>`. */
  readonly key: string;
  /** The vault name runs are journaled under (the `runs.vault` column). */
  readonly vault: string;
  /** For messages: the name, and the account for a chain vault. */
  readonly describe: string;
}

export function vaultIdentity(config: VaultConfig, executor: RunExecutor): VaultIdentity {
  const name = config.name;
  const evm = config.execution?.evm;
  if ((executor === 'evm' || executor === 'safe') && evm) {
    return { key: `evm:${evm.chainId}:${evm.vault.toLowerCase()}`, vault: name, describe: `vault ${name} (${evm.vault} on EVM chain ${evm.chainId})` };
  }
  const sol = config.execution?.solana;
  if ((executor === 'solana' || executor === 'squads') && sol) {
    return { key: `solana:${sol.cluster}:${sol.vault}`, vault: name, describe: `vault ${name} (${sol.vault} on solana ${sol.cluster})` };
  }
  // A chain executor without its section fails at setup with its own message; until then it is its name.
  return { key: `paper:${name}`, vault: name, describe: `vault ${name}` };
}

/**
 * Whether a run continues a vault that exists outside its journal, so that a new journal for it would
 * silently start it over: anything on the live feed, and any chain executor. A paper replay of recorded
 * history (feed recorded, executor paper) is a backtest: it starts from the window's first step and its
 * initial holdings by design, its journal can be made again from the config and the history, and running
 * it into a second journal is how a replay is repeated or compared. Replays are therefore neither indexed
 * nor held to the index; they keep only the nearby-typo check (cli/journal-path-guard.ts).
 */
export function continuesRealVault(feed: 'live' | 'recorded', executor: RunExecutor): boolean {
  return feed === 'live' || executor !== 'paper';
}

/** The identity a run is indexed and guarded under, or undefined for a replay (continuesRealVault). */
export function indexedIdentity(config: VaultConfig, feed: 'live' | 'recorded', executor: string): VaultIdentity | undefined {
  const kind: RunExecutor = executor === 'evm' || executor === 'safe' || executor === 'solana' || executor === 'squads' ? executor : 'paper';
  return continuesRealVault(feed, kind) ? vaultIdentity(config, kind) : undefined;
}
