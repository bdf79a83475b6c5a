import { getAddress } from 'viem/utils';
import { z } from 'zod';
import { parseDuration } from '../../../domain/time.js';
import { address } from '../../../sources/evm/evm-sources-schema.js';
import { KeySpecSchema } from '../exec-config.js';

/**
 * The vault config section `execution.safe`: propose through a Safe instead of sending from a key. The
 * chain connection and the vault's address (the Safe's) come from `execution.evm`, whose key and mode
 * the proposer does not use.
 *
 *   execution:
 *     policy: ../policies/treasury.policy.yaml
 *     evm: { rpcUrl: https://…, chainId: 1, vault: "0xSAFE…", fees: {…} }
 *     safe:
 *       mode: live                        # dry-run (default) never signs or delivers
 *       proposer: { env: KEEPER_PROPOSER_KEY }   # an owner (threshold > 1) or a delegate
 *       service: { url: https://api.safe.global/tx-service/eth/api, apiKey: { env: SAFE_API_KEY } }
 *       builderFile: ../../var/safe-batches   # and/or Transaction Builder files here
 *       staleAfter: 1d
 *       maxDrift: 0.02
 */

const duration = z
  .string()
  .refine((s) => { try { parseDuration(s); return true; } catch { return false; } }, 'a duration such as "30m", "36h" or "1d"')
  .transform((s) => parseDuration(s));

/** MultiSendCallOnly v1.4.1, the canonical address (safe-deployments). */
export const MULTISEND_CALL_ONLY_141 = '0x9641d764fc13c8B624c04430C7356C1C7C8102e2';

export const SafeExecutionSchema = z
  .strictObject({
    mode: z.enum(['dry-run', 'live']).default('dry-run'),
    proposer: KeySpecSchema.optional(),
    multiSendCallOnly: address.default(getAddress(MULTISEND_CALL_ONLY_141)),
    service: z
      .strictObject({
        url: z.url(),
        /** The NAME of the environment variable holding the API key (sent as a Bearer token, never logged). */
        apiKey: z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the NAME of an environment variable (not the key itself)') }).optional(),
        timeout: duration.default(parseDuration('20s')),
      })
      .optional(),
    /** Directory (relative to the vault file) for Safe Transaction Builder batch files. */
    builderFile: z.string().min(1).optional(),
    /** A proposal not executed after this long is replaced at the same nonce. */
    staleAfter: duration.default(parseDuration('1d')),
    /** Replace the pending proposal when a mark it was valued at has moved more than this (fraction). */
    maxDrift: z.number().min(0).max(1).default(0.02),
    /** Replace the pending proposal when a breaker fires on an asset it touches. */
    replaceOnBreaker: z.boolean().default(true),
    /** The service's origin field is bounded; the summary is cut to fit (the full text is journaled). */
    originMaxLength: z.number().int().min(40).max(10_000).default(200),
  })
  .refine((c) => c.mode !== 'live' || c.proposer !== undefined, { message: 'live mode needs the proposer key ({ file } or { env })', path: ['proposer'] })
  .refine((c) => c.service !== undefined || c.builderFile !== undefined, { message: 'give a delivery: service, builderFile, or both', path: ['service'] });

export type SafeExecutionConfig = z.output<typeof SafeExecutionSchema>;

/** One line for validate-config: mode, proposer key source (never the key), deliveries, replacement bounds. */
export function safeSummary(c: SafeExecutionConfig): string {
  const key = c.proposer ? ('file' in c.proposer ? `key file ${c.proposer.file}` : `key from $${c.proposer.env}`) : 'no proposer key';
  const host = (u: string) => { try { return new URL(u).host; } catch { return u; } };
  const delivery = [c.service ? `service ${host(c.service.url)}${c.service.apiKey ? ` (API key from $${c.service.apiKey.env})` : ''}` : '', c.builderFile ? `builder files in ${c.builderFile}` : ''].filter(Boolean).join(' and ');
  return `  safe: ${c.mode}, proposer ${key}, MultiSendCallOnly ${c.multiSendCallOnly}, delivery ${delivery}; stale after ${Math.round(c.staleAfter / 60_000)} min, replaced beyond ${(c.maxDrift * 100).toFixed(2)} % drift`;
}
