import { z } from 'zod';
import { pubkey } from '../../../sources/solana/pubkey.js';
import { KeySpecSchema } from '../../evm/exec-config.js';

/**
 * The vault config section `execution.squads`: propose through a Squads v4 multisig instead of sending
 * from a key. The cluster, assets and policy come from `execution.solana`, whose `vault` must be the
 * multisig's vault PDA (the builders target its ATAs; the policy's vault is the same PDA).
 *
 *   execution:
 *     policy: ../policies/sol-staking.policy.yaml
 *     solana: { rpcUrl: https://…, vault: "<vault PDA>", fees: {…}, assets: {…} }
 *     squads:
 *       mode: live                        # dry-run (default) builds and guards only
 *       multisig: "<multisig PDA>"
 *       vaultIndex: 0
 *       member: { env: KEEPER_SQUADS_MEMBER_KEY }   # a member with Initiate only
 */
export const SquadsExecutionSchema = z
  .strictObject({
    mode: z.enum(['dry-run', 'live']).default('dry-run'),
    multisig: pubkey,
    vaultIndex: z.number().int().min(0).max(255).default(0),
    member: KeySpecSchema.optional(),
    /** The Squads v4 program (the canonical one when absent). */
    programId: pubkey.optional(),
    /** The memo rides in the proposal transaction with the whole message: a byte budget for it. */
    maxMemoBytes: z.number().int().min(16).max(512).default(256),
  })
  .refine((c) => c.mode !== 'live' || c.member !== undefined, { message: 'live mode needs the member key ({ file } or { env })', path: ['member'] });

export type SquadsExecutionConfig = z.output<typeof SquadsExecutionSchema>;
