import { z } from 'zod';
import { loadYaml } from '../../config/load-yaml.js';
import { address } from '../../sources/evm/evm-sources-config.js';
import type { EvmBuildTargets } from './builders/mainnet.js';
import type { EvmProtocolAddresses } from './evm-tx.js';

/**
 * A deployment file: contract addresses that replace the ones the asset registry gives the builders, for a
 * chain where the protocols live elsewhere (a testnet, a local chain with redeployed contracts). Named in
 * the vault config as `execution.evm.deployment` (relative to the vault file). A protocol section given
 * here replaces the registry's section whole; a token replaces that asset's token. The transaction policy
 * must name the same addresses, or the guard refuses every call.
 *
 *   weth: "0x…"
 *   tokens: { WETH: "0x…", wstETH: "0x…", aave-v3-WETH: "0x…" }
 *   lido: { steth: "0x…", wsteth: "0x…", withdrawalQueue: "0x…" }
 *   dex: { weETH: { kind: curve, pool: "0x…", i: 0, j: 1, ethIsNative: false } }
 *   uniswapV3: { router: "0x…", quoter: "0x…", pools: { wstETH: { fee: 100 } } }
 */

const coinIndex = z.number().int().min(0).max(7);

export const DeploymentSchema = z.strictObject({
  tokens: z.record(z.string().min(1), address).default({}),
  weth: address.optional(),
  lido: z.strictObject({ steth: address, wsteth: address, withdrawalQueue: address }).optional(),
  etherfi: z.strictObject({ liquidityPool: address, eeth: address, weeth: address, withdrawRequestNft: address, withdrawAdapter: address.optional() }).optional(),
  renzo: z.strictObject({ restakeManager: address, ezeth: address, withdrawQueue: address }).optional(),
  kelp: z.strictObject({ depositPool: address, rseth: address, withdrawalManager: address }).optional(),
  aave: z.strictObject({ pool: address, aTokens: z.record(z.string().min(1), address) }).optional(),
  dex: z
    .record(
      z.string().min(1),
      z.strictObject({ kind: z.literal('curve'), pool: address, i: coinIndex, j: coinIndex, ethIsNative: z.boolean() }).refine((p) => p.i !== p.j, 'i and j must be different coins'),
    )
    .optional(),
  uniswapV3: z
    .strictObject({
      router: address,
      quoter: address.optional(),
      pools: z.record(z.string().min(1), z.strictObject({ fee: z.number().int().positive().lt(1_000_000, 'a fee tier in hundredths of a bip (100 = 0.01 %)') })),
    })
    .optional(),
});

export type Deployment = z.output<typeof DeploymentSchema>;

export function loadDeployment(file: string): Deployment {
  return loadYaml(file, DeploymentSchema);
}

/** The registry's targets with the deployment's sections and tokens laid over them. */
export function applyDeployment(targets: EvmBuildTargets, d: Deployment): EvmBuildTargets {
  const { tokens, ...sections } = d;
  const defined = Object.fromEntries(Object.entries(sections).filter(([, v]) => v !== undefined)) as Partial<EvmProtocolAddresses>;
  return { addresses: { ...targets.addresses, ...defined }, tokens: { ...targets.tokens, ...tokens } };
}
