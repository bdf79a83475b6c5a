import type { PlannedAction } from '../../../domain/action.js';
import type { BuildContext, ChainReader, ProtocolBuilder, TxIntent } from '../evm-tx.js';
import { aaveV3Builder } from './aave-v3.js';
import { BuildError, describeAction } from './common.js';
import { curveBuilder } from './dex-curve.js';
import { uniswapV3Builder } from './dex-uniswap-v3.js';
import { etherfiBuilder } from './etherfi.js';
import { kelpBuilder } from './kelp.js';
import { lidoBuilder } from './lido.js';
import { renzoBuilder } from './renzo.js';
import { wethBuilder } from './weth.js';

/**
 * The one place builders are listed. Each action is carried out by exactly one builder; adding a
 * protocol is a new builder file plus one entry here.
 */
export const BUILDERS: readonly ProtocolBuilder[] = [lidoBuilder, etherfiBuilder, renzoBuilder, kelpBuilder, aaveV3Builder, curveBuilder, uniswapV3Builder, wethBuilder];

/** The single builder that supports `action`; an error naming the action if none or several do. */
export function builderFor(action: PlannedAction, builders: readonly ProtocolBuilder[] = BUILDERS): ProtocolBuilder {
  const found = builders.filter((b) => b.supports(action));
  if (found.length === 1) return found[0] as ProtocolBuilder;
  if (found.length === 0) throw new BuildError(`no transaction builder supports it (have ${builders.map((b) => b.protocol).join(', ')})`, action);
  throw new BuildError(`several builders support it (${found.map((b) => b.protocol).join(', ')})`, action);
}

/**
 * Reads what the action's builder needs from the chain at build time (claim hints, a fresh DEX quote, a
 * rate) and returns the context with it. Builders without a prepare step return the context unchanged.
 */
export async function prepareAction(action: PlannedAction, ctx: BuildContext, chain: ChainReader, builders: readonly ProtocolBuilder[] = BUILDERS): Promise<BuildContext> {
  const b = builderFor(action, builders);
  return b.prepare ? b.prepare(action, ctx, chain) : ctx;
}

/** The transactions that carry out `action`, in sending order. Pure: no chain access. */
export function buildAction(action: PlannedAction, ctx: BuildContext, builders: readonly ProtocolBuilder[] = BUILDERS): TxIntent[] {
  const txs = builderFor(action, builders).build(action, ctx);
  if (txs.length === 0) throw new BuildError('the builder produced no transactions', action);
  return txs;
}

export { describeAction };
