import { PublicKey } from '@solana/web3.js';
import { z } from 'zod';
import { loadYaml, parseYaml } from '../../../config/load-yaml.js';
import { KeeperError } from '../../../errors.js';
import { anchorDiscriminator } from '../builders/common.js';

/**
 * The Solana transaction policy a vault manager reads and signs off (config/policies/sol-staking.policy.yaml):
 * which programs and instructions the keeper may use, what each account position must be, how much may
 * move. Validated in full with line:col positions (loadYaml), then compiled: names resolved to keys,
 * discriminators to bytes, amounts to lamports. The guard (sol-policy-guard.ts) sees only the compiled form.
 */

/** The placeholder vault in the shipped policy; refused unless `allowPlaceholder`. */
export const PLACEHOLDER_SOL_VAULT = '11111111111111111111111111111112';
export const CAP_KEYWORDS = ['perTransactionSol', 'perDaySol'] as const;

const LAMPORTS = 1_000_000_000n;
const solAmount = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(String(v).trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: 'a SOL amount like "2500" or "0.5"' });
    return z.NEVER;
  }
  return BigInt(m[1] as string) * LAMPORTS + BigInt((m[2] ?? '').padEnd(9, '0'));
});
const key = z.string().min(1);

const AccountRuleSchema = z
  .object({
    /** What the account is, for people and for refusal messages. */
    name: z.string().min(1),
    /** A key or a name from `addresses` (or `vault`). */
    equals: key.optional(),
    /** Keys/names, or one set name from `sets`. */
    oneOf: z.union([z.array(key).min(1), key]).optional(),
    /** The account must be one of the vault's own token accounts (its ATA for a mint in `mints`). */
    vaultTokenAccount: z.boolean().optional(),
    signer: z.boolean().optional(),
  })
  .strict();

const ArgSchema = z
  .object({
    name: z.string().min(1),
    /** Byte offset in the instruction data (after the discriminator counts from 0 of the data). */
    offset: z.number().int().min(0),
    type: z.enum(['u64', 'u8', 'u16']).default('u64'),
    /** Bound in SOL, or a cap keyword. */
    max: z.union([z.enum(CAP_KEYWORDS), solAmount]).optional(),
    min: solAmount.optional(),
    /** This argument is a minimum out: it must be ≥ the quoted out × (1 − maxSlippage). */
    minOut: z.boolean().optional(),
    /** This argument is SOL leaving the vault: counted against the caps. */
    valueLamports: z.boolean().optional(),
  })
  .strict();

const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lower-case id like "spl-deposit-sol"'),
    description: z.string().min(10, 'a sentence saying why this instruction is allowed'),
    program: key,
    /** The instruction's leading bytes: a byte list, or `anchor:<name>` for Anchor's sha256 discriminator. */
    discriminator: z.union([z.array(z.number().int().min(0).max(255)).min(1), z.string().regex(/^anchor:[a-z_]+$/)]),
    /** Accounts by position (0-based). Positions not listed are free. */
    accounts: z.record(z.string().regex(/^\d+$/), AccountRuleSchema).default({}),
    /** Fewest accounts the instruction must carry (a shorter list is a different instruction). */
    minAccounts: z.number().int().min(0).optional(),
    args: z.array(ArgSchema).default([]),
  })
  .strict();

export const SolPolicyInputSchema = z
  .object({
    version: z.literal(1),
    chain: z.literal('solana'),
    vault: key,
    caps: z.object({ perTransactionSol: solAmount, perDaySol: solAmount }).strict(),
    maxSlippage: z.number().min(0).max(0.2),
    /** Priority fee cap the guard enforces on SetComputeUnitPrice (micro-lamports per CU). */
    maxMicroLamportsPerCu: z.number().int().min(0),
    maxComputeUnits: z.number().int().min(1).max(1_400_000).default(1_400_000),
    addresses: z.record(z.string(), key).default({}),
    sets: z.record(z.string(), z.array(key).min(1)).default({}),
    /** Mints whose vault ATAs count as the vault's token accounts. */
    mints: z.array(key).min(1),
    /** Delegates an Approve may name (none by default: every Approve is refused). */
    delegates: z.array(key).default([]),
    /** Owners a CreateAccountWithSeed from the vault may assign (stake program, Marinade for tickets). */
    seededAccountOwners: z.array(key).default([]),
    jupiter: z
      .object({
        program: key,
        /** Programs a Jupiter transaction may invoke at the top level besides rules' programs. */
        routePrograms: z.array(key).default([]),
      })
      .strict()
      .optional(),
    rules: z.array(RuleSchema).min(1),
  })
  .strict();
export type SolPolicyInput = z.input<typeof SolPolicyInputSchema>;
type Parsed = z.output<typeof SolPolicyInputSchema>;

export interface AccountCheck {
  readonly index: number;
  readonly name: string;
  readonly allowed?: ReadonlySet<string> | undefined;
  readonly vaultTokenAccount: boolean;
  readonly signer?: boolean | undefined;
}

export interface ArgCheck {
  readonly name: string;
  readonly offset: number;
  readonly type: 'u64' | 'u8' | 'u16';
  readonly max?: bigint | undefined;
  readonly min?: bigint | undefined;
  readonly minOut: boolean;
  readonly valueLamports: boolean;
}

export interface SolPolicyRule {
  readonly id: string;
  readonly description: string;
  readonly program: string;
  readonly discriminator: Buffer;
  readonly accounts: readonly AccountCheck[];
  readonly minAccounts: number;
  readonly args: readonly ArgCheck[];
}

export interface SolPolicy {
  readonly vault: string;
  readonly perTransaction: bigint;
  readonly perDay: bigint;
  readonly maxSlippage: number;
  readonly maxMicroLamportsPerCu: bigint;
  readonly maxComputeUnits: number;
  readonly mints: readonly PublicKey[];
  readonly delegates: ReadonlySet<string>;
  readonly seededAccountOwners: ReadonlySet<string>;
  readonly jupiter?: { readonly program: string; readonly routePrograms: ReadonlySet<string> } | undefined;
  readonly rules: readonly SolPolicyRule[];
  /** Key → name, for messages. */
  readonly names: ReadonlyMap<string, string>;
}

/** The policy file is valid YAML of the right shape but says something that cannot be compiled. */
export class SolPolicyError extends KeeperError {}

function compile(p: Parsed, file: string, allowPlaceholder: boolean): SolPolicy {
  const names = new Map<string, string>();
  const resolve = (s: string, where: string): string => {
    const v = s === 'vault' ? p.vault : (p.addresses[s] ?? s);
    try {
      return new PublicKey(v).toBase58();
    } catch {
      throw new SolPolicyError(`${file}: ${where}: "${s}" is neither a public key nor a name in addresses`);
    }
  };
  const vault = resolve(p.vault, 'vault');
  if (vault === PLACEHOLDER_SOL_VAULT && !allowPlaceholder) throw new SolPolicyError(`${file}: vault is still the placeholder ${PLACEHOLDER_SOL_VAULT}: set the vault's own address`);
  names.set(vault, 'vault');
  for (const [n, a] of Object.entries(p.addresses)) names.set(resolve(a, `addresses.${n}`), n);
  const set = (v: string | string[], where: string): Set<string> => {
    const list = typeof v === 'string' ? p.sets[v] : v;
    if (!list) throw new SolPolicyError(`${file}: ${where}: no set named "${String(v)}"`);
    return new Set(list.map((x, i) => resolve(x, `${where}[${i}]`)));
  };
  const rules = p.rules.map((r, ri): SolPolicyRule => {
    const where = `rules[${ri}] (${r.id})`;
    return {
      id: r.id,
      description: r.description,
      program: resolve(r.program, `${where}.program`),
      discriminator: typeof r.discriminator === 'string' ? anchorDiscriminator(r.discriminator.slice('anchor:'.length)) : Buffer.from(r.discriminator),
      accounts: Object.entries(r.accounts).map(([i, a]) => ({
        index: Number(i),
        name: a.name,
        allowed: a.equals ? new Set([resolve(a.equals, `${where}.accounts.${i}.equals`)]) : a.oneOf ? set(a.oneOf, `${where}.accounts.${i}.oneOf`) : undefined,
        vaultTokenAccount: a.vaultTokenAccount ?? false,
        signer: a.signer,
      })),
      minAccounts: r.minAccounts ?? 0,
      args: r.args.map((a) => ({
        name: a.name,
        offset: a.offset,
        type: a.type,
        max: a.max === 'perTransactionSol' ? p.caps.perTransactionSol : a.max === 'perDaySol' ? p.caps.perDaySol : a.max,
        min: a.min,
        minOut: a.minOut ?? false,
        valueLamports: a.valueLamports ?? false,
      })),
    };
  });
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) throw new SolPolicyError(`${file}: rule id "${r.id}" is used twice`);
    ids.add(r.id);
  }
  return {
    vault,
    perTransaction: p.caps.perTransactionSol,
    perDay: p.caps.perDaySol,
    maxSlippage: p.maxSlippage,
    maxMicroLamportsPerCu: BigInt(p.maxMicroLamportsPerCu),
    maxComputeUnits: p.maxComputeUnits,
    mints: p.mints.map((m, i) => new PublicKey(resolve(m, `mints[${i}]`))),
    delegates: new Set(p.delegates.map((d, i) => resolve(d, `delegates[${i}]`))),
    seededAccountOwners: new Set(p.seededAccountOwners.map((d, i) => resolve(d, `seededAccountOwners[${i}]`))),
    jupiter: p.jupiter ? { program: resolve(p.jupiter.program, 'jupiter.program'), routePrograms: new Set(p.jupiter.routePrograms.map((d, i) => resolve(d, `jupiter.routePrograms[${i}]`))) } : undefined,
    rules,
    names,
  };
}

export interface SolPolicyOptions {
  readonly allowPlaceholder?: boolean | undefined;
}

export function loadSolPolicy(file: string, opts: SolPolicyOptions = {}): SolPolicy {
  return compile(loadYaml(file, SolPolicyInputSchema), file, opts.allowPlaceholder ?? false);
}

export function parseSolPolicy(text: string, file: string, opts: SolPolicyOptions = {}): SolPolicy {
  return compile(parseYaml(text, file, SolPolicyInputSchema), file, opts.allowPlaceholder ?? false);
}
