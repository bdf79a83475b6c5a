import type { SwapApi } from '@jup-ag/api';
import type { PlannedAction } from '../../../domain/action.js';
import { BuildError } from '../../build-error.js';
import { jitoVaultBuilder } from './jito-vault.js';
import { jupiterBuilder } from './jupiter.js';
import { kaminoBuilder } from './kamino.js';
import { marinadeBuilder } from './marinade.js';
import { splStakePoolBuilder } from './spl-stake-pool.js';
import type { SolBuildContext, SolChainReader, SolProtocolBuilder, SolTxIntent } from './types.js';

/** The one list of Solana builders; each action is carried out by exactly one. */
export function solanaBuilders(jupiter?: SwapApi): SolProtocolBuilder[] {
  return [splStakePoolBuilder, marinadeBuilder, jitoVaultBuilder, kaminoBuilder, jupiterBuilder(jupiter)];
}

export function solBuilderFor(action: PlannedAction, ctx: SolBuildContext, builders: readonly SolProtocolBuilder[]): SolProtocolBuilder {
  const found = builders.filter((b) => b.supports(action, ctx));
  if (found.length === 1) return found[0] as SolProtocolBuilder;
  if (found.length === 0) throw new BuildError(`no Solana transaction builder supports it (have ${builders.map((b) => b.protocol).join(', ')})`, action);
  throw new BuildError(`several Solana builders support it (${found.map((b) => b.protocol).join(', ')})`, action);
}

/** Reads what the action's builder needs (one slot), then builds. Only `prepare` touches the chain. */
export async function prepareSolAction(action: PlannedAction, ctx: SolBuildContext, chain: SolChainReader, builders: readonly SolProtocolBuilder[]): Promise<SolBuildContext> {
  const b = solBuilderFor(action, ctx, builders);
  return b.prepare ? b.prepare(action, ctx, chain) : ctx;
}

export function buildSolAction(action: PlannedAction, ctx: SolBuildContext, builders: readonly SolProtocolBuilder[]): SolTxIntent[] {
  const txs = solBuilderFor(action, ctx, builders).build(action, ctx);
  if (txs.length === 0) throw new BuildError('the builder produced no transactions', action);
  return txs;
}
