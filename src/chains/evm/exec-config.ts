import { z } from 'zod';
import { parseDuration } from '../../domain/time.js';
import { address } from '../../sources/evm/evm-sources-schema.js';

/**
 * The vault config section `execution.evm`: where and how the keeper sends transactions.
 *
 *   execution:
 *     evm:
 *       mode: dry-run                 # or live (needs the --live flag as well, and a key)
 *       rpcUrl: https://…
 *       chainId: 1
 *       vault: "0x…"                  # the account that sends and holds everything
 *       key: { file: /etc/keeper/key }   # or { env: KEEPER_PRIVATE_KEY } — the variable's NAME, never the key
 *       confirmations: 2
 *       fees: { maxFeePerGas: 80 gwei, maxPriorityFeePerGas: 2 gwei }
 *       replaceAfter: 3m
 *       bump: 0.125
 *       reconcile: { tolerance: 0.005 }
 */

const duration = z
  .string()
  .refine((s) => { try { parseDuration(s); return true; } catch { return false; } }, 'a duration such as "1s", "3m" or "1h"')
  .transform((s) => parseDuration(s));

const GWEI = 1_000_000_000n;

/** "80 gwei", "1.5 gwei" or a plain integer number of wei (as a string). */
export const gasPrice = z
  .string()
  .regex(/^\s*(\d+(\.\d{1,9})?\s*gwei|\d+)\s*$/i, 'a fee such as "80 gwei" or an integer number of wei as a string')
  .transform((s): bigint => {
    const t = s.trim().toLowerCase();
    if (!t.endsWith('gwei')) return BigInt(t);
    const [whole, frac = ''] = t.replace('gwei', '').trim().split('.');
    return BigInt(whole as string) * GWEI + BigInt(frac.padEnd(9, '0'));
  });

export const KeySpecSchema = z.union([
  z.strictObject({ file: z.string().min(1) }),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the NAME of an environment variable (not the key itself)') }),
]);

export const EvmExecutionSchema = z
  .strictObject({
    mode: z.enum(['dry-run', 'live']).default('dry-run'),
    rpcUrl: z.url(),
    chainId: z.number().int().positive(),
    vault: address,
    key: KeySpecSchema.optional(),
    /** Blocks including the mined one before a transaction counts (1 = mined). */
    confirmations: z.number().int().min(1).max(128).default(2),
    fees: z
      .strictObject({ maxFeePerGas: gasPrice, maxPriorityFeePerGas: gasPrice })
      .refine((f) => f.maxPriorityFeePerGas <= f.maxFeePerGas, 'maxPriorityFeePerGas must not exceed maxFeePerGas'),
    /** A transaction still pending this long is replaced with bumped fees. */
    replaceAfter: duration.default(parseDuration('3m')),
    /** Replacement fee bump; 12.5 % or more (geth refuses a replacement under 10 %). */
    bump: z.number().min(0.125).max(2).default(0.125),
    maxReplacements: z.number().int().min(0).max(50).default(5),
    /** Stop waiting on a transaction after this long (it stays in flight for the next start to reconcile). */
    maxWait: duration.default(parseDuration('30m')),
    pollInterval: duration.default(parseDuration('2s')),
    gasHeadroom: z.number().min(0).max(2).default(0.2),
    /** A deployment file (deployment-file.ts) whose addresses replace the registry's; relative to the vault file. */
    deployment: z.string().min(1).optional(),
    reconcile: z
      .strictObject({
        /** Largest accepted gap between a balance change and the plan's expectation, as a fraction of the expected amount. */
        tolerance: z.number().min(0).max(0.5).default(0.005),
      })
      .prefault({}),
  })
  .refine((c) => c.mode !== 'live' || c.key !== undefined, { message: 'live mode needs a key ({ file } or { env })', path: ['key'] });

export type EvmExecutionConfig = z.output<typeof EvmExecutionSchema>;
export type EvmExecutionInput = z.input<typeof EvmExecutionSchema>;
