import { anchorDiscriminator } from '../builders/common.js';
import type { DecodedInstruction } from './decode-message.js';
import type { SolPolicy } from './sol-policy-schema.js';

/**
 * Jupiter v6 exact-in routes, decoded from their Anchor arguments. Both `route` and
 * `shared_accounts_route` end with in_amount u64, quoted_out_amount u64, slippage_bps u16,
 * platform_fee_bps u8 (the route plan before them is variable length, so the tail is read from the end).
 * The program pays out at least quoted_out × (1 − slippage_bps); that minimum must be at least the
 * keeper's quote × (1 − the policy's slippage), the user's destination must be the vault's own token
 * account, and no platform fee may be taken.
 */
const ROUTE = anchorDiscriminator('route');
const SHARED = anchorDiscriminator('shared_accounts_route');
const TAIL = 8 + 8 + 2 + 1;

export function isJupiterRoute(data: Buffer): boolean {
  const d = data.subarray(0, 8);
  return d.equals(ROUTE) || d.equals(SHARED);
}

export interface RouteArgs {
  readonly inAmount: bigint;
  readonly quotedOut: bigint;
  readonly slippageBps: number;
  readonly platformFeeBps: number;
  readonly minOut: bigint;
}

export function routeArgs(data: Buffer): RouteArgs | undefined {
  if (data.length < 8 + TAIL) return undefined;
  const t = data.subarray(data.length - TAIL);
  const quotedOut = t.readBigUInt64LE(8);
  const slippageBps = t.readUInt16LE(16);
  return { inAmount: t.readBigUInt64LE(0), quotedOut, slippageBps, platformFeeBps: t.readUInt8(18), minOut: (quotedOut * BigInt(10_000 - Math.min(slippageBps, 10_000))) / 10_000n };
}

export function checkJupiterRoute(ix: DecodedInstruction, declared: { readonly quotedOut: bigint } | undefined, policy: SolPolicy, mine: ReadonlySet<string>): string | undefined {
  const a = routeArgs(ix.data);
  if (!a) return 'Jupiter route data is too short';
  if (!declared) return 'a Jupiter route needs the quote it was built from';
  if (a.platformFeeBps !== 0) return `the route takes a platform fee of ${a.platformFeeBps} bps`;
  const shared = ix.data.subarray(0, 8).equals(SHARED);
  const dest = ix.accounts[shared ? 6 : 3]?.key;
  if (!dest || !mine.has(dest)) return `the route pays ${dest ?? '(missing)'}, not one of the vault's token accounts`;
  if (!shared) {
    const optional = ix.accounts[4]?.key;
    if (optional && optional !== ix.program && !mine.has(optional)) return `the route's destination_token_account ${optional} is not the vault's`;
  }
  const floor = (declared.quotedOut * (1_000_000n - BigInt(Math.floor(policy.maxSlippage * 1e6)))) / 1_000_000n;
  if (a.minOut < floor) return `the route's minimum out ${a.minOut} (quoted ${a.quotedOut} less ${a.slippageBps} bps) is below quote ${declared.quotedOut} × (1 − ${policy.maxSlippage}) = ${floor}`;
  return undefined;
}
