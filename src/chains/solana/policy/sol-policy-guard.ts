import { ComputeBudgetProgram, PublicKey, SystemProgram, type AddressLookupTableAccount } from '@solana/web3.js';
import { ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, getAssociatedTokenAddressSync, NATIVE_MINT } from '@solana/spl-token';
import { decodeMessage, MessageDecodeError, type DecodedInstruction, type DecodedMessage } from './decode-message.js';
import { checkJupiterRoute, isJupiterRoute } from './jupiter-route-check.js';
import type { SolPolicy, SolPolicyRule } from './sol-policy-schema.js';

/**
 * The Solana policy guard: the last check before a message is signed. Pure. It decodes the compiled
 * message itself (lookup tables resolved by the caller) and trusts no builder description: each
 * instruction must match a rule by program and discriminator and pass its account and amount checks,
 * or be one of the few built-in plumbing forms (compute budget under the fee cap, a seeded account the
 * vault creates for a program in `seededAccountOwners`). Token instructions that hand over control are
 * refused whatever the rules say: SetAuthority, CloseAccount to anything but the vault, Approve to a
 * delegate the policy does not name. The only builder declarations used are its value at risk (never
 * below what the message itself moves) and its quote, to check minimum outs against.
 */
export interface SolGuardInput {
  readonly message: Uint8Array;
  readonly tables: readonly AddressLookupTableAccount[];
  readonly declared: {
    readonly valueAtRiskLamports: bigint;
    readonly slippage?: { readonly minOut: bigint; readonly quotedOut: bigint; readonly destination: string } | undefined;
  };
  /** Value at risk already sent today (UTC), lamports. */
  readonly spentToday: bigint;
}

export type SolGuardResult =
  | { readonly allowed: true; readonly rule: string; readonly rules: readonly string[]; readonly valueAtRisk: bigint }
  | { readonly allowed: false; readonly reason: string; readonly instruction?: number | undefined };

type Step = { ok: true; rule: string; value: bigint } | { ok: false; reason: string };

const TOKEN_PROGRAMS = new Set([TOKEN_PROGRAM_ID.toBase58(), TOKEN_2022_PROGRAM_ID.toBase58()]);
const COMPUTE_BUDGET = ComputeBudgetProgram.programId.toBase58();
const SYSTEM = SystemProgram.programId.toBase58();
const TOKEN_TAG = { approve: 4, setAuthority: 6, closeAccount: 9, approveChecked: 13 } as const;

/** The vault's own token accounts: its ATA (classic and Token-2022) for each policy mint and wrapped SOL. Off-curve owners allowed: a Squads vault is a PDA. */
export function vaultTokenAccounts(policy: SolPolicy): Set<string> {
  const owner = new PublicKey(policy.vault);
  const out = new Set<string>();
  for (const m of [...policy.mints, NATIVE_MINT]) for (const p of [TOKEN_PROGRAM_ID, TOKEN_2022_PROGRAM_ID]) out.add(getAssociatedTokenAddressSync(m, owner, true, p, ASSOCIATED_TOKEN_PROGRAM_ID).toBase58());
  return out;
}

export function checkSolTransaction(input: SolGuardInput, policy: SolPolicy): SolGuardResult {
  let msg: DecodedMessage;
  try {
    msg = decodeMessage(input.message, input.tables);
  } catch (e) {
    if (e instanceof MessageDecodeError) return { allowed: false, reason: e.message };
    throw e;
  }
  if (msg.feePayer !== policy.vault) return { allowed: false, reason: `fee payer ${msg.feePayer} is not the vault ${policy.vault}` };
  const mine = vaultTokenAccounts(policy);
  const name = (k: string) => policy.names.get(k) ?? k;
  const hasRoute = policy.jupiter !== undefined && msg.instructions.some((i) => i.program === policy.jupiter?.program);
  const rules: string[] = [];
  let computed = 0n;
  for (const ix of msg.instructions) {
    if (hasRoute && policy.jupiter && ix.program !== policy.jupiter.program && ix.program !== COMPUTE_BUDGET && !policy.jupiter.routePrograms.has(ix.program)) {
      return { allowed: false, reason: `instruction ${ix.index}: program ${name(ix.program)} is not in the Jupiter route allowlist`, instruction: ix.index };
    }
    const step = checkInstruction(ix, input, policy, mine, name);
    if (!step.ok) return { allowed: false, reason: `instruction ${ix.index} (${name(ix.program)}): ${step.reason}`, instruction: ix.index };
    rules.push(step.rule);
    computed += step.value;
  }
  const value = input.declared.valueAtRiskLamports > computed ? input.declared.valueAtRiskLamports : computed;
  if (value > policy.perTransaction) return { allowed: false, reason: `value at risk ${fmtSol(value)} SOL is above the per-transaction cap ${fmtSol(policy.perTransaction)} SOL` };
  if (input.spentToday + value > policy.perDay) return { allowed: false, reason: `value at risk ${fmtSol(value)} SOL would take today's total to ${fmtSol(input.spentToday + value)} SOL, above the per-day cap ${fmtSol(policy.perDay)} SOL` };
  const main = rules.filter((r) => !r.startsWith('builtin:')).at(-1) ?? rules.at(-1) ?? 'none';
  return { allowed: true, rule: main, rules, valueAtRisk: value };
}

function checkInstruction(ix: DecodedInstruction, input: SolGuardInput, policy: SolPolicy, mine: Set<string>, name: (k: string) => string): Step {
  if (TOKEN_PROGRAMS.has(ix.program)) {
    const bad = tokenInvariant(ix, policy, name);
    if (bad) return { ok: false, reason: bad };
  }
  if (ix.program === COMPUTE_BUDGET) return computeBudget(ix, policy);
  if (ix.program === SYSTEM && ix.data.length >= 4 && ix.data.readUInt32LE(0) === 3) return seededAccount(ix, policy, name);
  if (policy.jupiter && ix.program === policy.jupiter.program) {
    if (!isJupiterRoute(ix.data)) return { ok: false, reason: `Jupiter instruction ${ix.data.subarray(0, 8).toString('hex')} is not an exact-in route` };
    const bad = checkJupiterRoute(ix, input.declared.slippage, policy, mine);
    return bad ? { ok: false, reason: bad } : { ok: true, rule: 'jupiter-route', value: 0n };
  }
  const candidates = policy.rules.filter((r) => r.program === ix.program && ix.data.length >= r.discriminator.length && ix.data.subarray(0, r.discriminator.length).equals(r.discriminator));
  if (candidates.length === 0) return { ok: false, reason: `no rule allows this instruction (data ${ix.data.subarray(0, 8).toString('hex')})` };
  const failures: string[] = [];
  for (const rule of candidates) {
    const r = checkRule(ix, rule, input, policy, mine, name);
    if (r.ok) return r;
    failures.push(`rule ${rule.id}: ${r.reason}`);
  }
  return { ok: false, reason: failures.join('; ') };
}

function checkRule(ix: DecodedInstruction, rule: SolPolicyRule, input: SolGuardInput, policy: SolPolicy, mine: Set<string>, name: (k: string) => string): Step {
  if (ix.accounts.length < rule.minAccounts) return { ok: false, reason: `${ix.accounts.length} accounts, expected at least ${rule.minAccounts}` };
  for (const a of rule.accounts) {
    const acc = ix.accounts[a.index];
    if (!acc) return { ok: false, reason: `account ${a.index} (${a.name}) is missing` };
    if (a.allowed && !a.allowed.has(acc.key)) return { ok: false, reason: `account ${a.index} (${a.name}) is ${name(acc.key)}, not one the policy allows` };
    if (a.vaultTokenAccount && !mine.has(acc.key)) return { ok: false, reason: `account ${a.index} (${a.name}) ${acc.key} is not one of the vault's token accounts` };
    if (a.signer !== undefined && acc.signer !== a.signer) return { ok: false, reason: `account ${a.index} (${a.name}) must ${a.signer ? '' : 'not '}sign` };
  }
  let value = 0n;
  for (const g of rule.args) {
    const size = g.type === 'u64' ? 8 : g.type === 'u16' ? 2 : 1;
    if (ix.data.length < g.offset + size) return { ok: false, reason: `argument ${g.name} at byte ${g.offset} is past the end of the ${ix.data.length}-byte data` };
    const v = g.type === 'u64' ? ix.data.readBigUInt64LE(g.offset) : BigInt(g.type === 'u16' ? ix.data.readUInt16LE(g.offset) : ix.data.readUInt8(g.offset));
    if (g.max !== undefined && v > g.max) return { ok: false, reason: `${g.name} ${v} is above the bound ${g.max}` };
    if (g.min !== undefined && v < g.min) return { ok: false, reason: `${g.name} ${v} is below the bound ${g.min}` };
    if (g.minOut) {
      const s = input.declared.slippage;
      if (!s) return { ok: false, reason: `${g.name} is a minimum out but the transaction declares no quote to check it against` };
      const floor = slippageFloor(s.quotedOut, policy.maxSlippage);
      if (v < floor) return { ok: false, reason: `${g.name} ${v} is below quote ${s.quotedOut} × (1 − ${policy.maxSlippage}) = ${floor}` };
    }
    if (g.valueLamports) value += v;
  }
  return { ok: true, rule: rule.id, value };
}

/** Instructions that hand control of the vault's tokens to someone else. */
function tokenInvariant(ix: DecodedInstruction, policy: SolPolicy, name: (k: string) => string): string | undefined {
  const tag = ix.data[0];
  if (tag === TOKEN_TAG.setAuthority) return 'SetAuthority is never allowed';
  if (tag === TOKEN_TAG.closeAccount) {
    const dest = ix.accounts[1]?.key;
    if (dest !== policy.vault) return `CloseAccount pays ${dest ? name(dest) : '(missing)'}, not the vault`;
  }
  if (tag === TOKEN_TAG.approve || tag === TOKEN_TAG.approveChecked) {
    const delegate = ix.accounts[tag === TOKEN_TAG.approve ? 1 : 2]?.key;
    if (!delegate || !policy.delegates.has(delegate)) return `Approve to ${delegate ? name(delegate) : '(missing)'}, a delegate the policy does not name`;
  }
  return undefined;
}

function computeBudget(ix: DecodedInstruction, policy: SolPolicy): Step {
  const tag = ix.data[0];
  if (tag === 2 && ix.data.length >= 5) {
    const units = ix.data.readUInt32LE(1);
    return units <= policy.maxComputeUnits ? { ok: true, rule: 'builtin:compute-unit-limit', value: 0n } : { ok: false, reason: `compute-unit limit ${units} is above ${policy.maxComputeUnits}` };
  }
  if (tag === 3 && ix.data.length >= 9) {
    const price = ix.data.readBigUInt64LE(1);
    return price <= policy.maxMicroLamportsPerCu ? { ok: true, rule: 'builtin:compute-unit-price', value: 0n } : { ok: false, reason: `priority fee ${price} micro-lamports/CU is above the cap ${policy.maxMicroLamportsPerCu}` };
  }
  return { ok: false, reason: `compute-budget instruction ${tag} is not allowed` };
}

/** CreateAccountWithSeed: u32 tag 3, base, seed (u64 length + bytes), lamports u64, space u64, owner. */
function seededAccount(ix: DecodedInstruction, policy: SolPolicy, name: (k: string) => string): Step {
  const d = ix.data;
  if (d.length < 4 + 32 + 8) return { ok: false, reason: 'CreateAccountWithSeed data is truncated' };
  const base = new PublicKey(d.subarray(4, 36)).toBase58();
  const seedLen = Number(d.readBigUInt64LE(36));
  const at = 44 + seedLen;
  if (seedLen > 32 || d.length < at + 8 + 8 + 32) return { ok: false, reason: 'CreateAccountWithSeed data is malformed' };
  const lamports = d.readBigUInt64LE(at);
  const owner = new PublicKey(d.subarray(at + 16, at + 48)).toBase58();
  if (ix.accounts[0]?.key !== policy.vault || base !== policy.vault) return { ok: false, reason: 'a seeded account must be funded by and derived from the vault' };
  if (!policy.seededAccountOwners.has(owner)) return { ok: false, reason: `a seeded account owned by ${name(owner)} is not allowed` };
  if (lamports > 10_000_000n) return { ok: false, reason: `a seeded account funded with ${lamports} lamports is more than rent` };
  return { ok: true, rule: 'builtin:seeded-account', value: lamports };
}

export function slippageFloor(quote: bigint, slippage: number): bigint {
  return (quote * (1_000_000n - BigInt(Math.floor(slippage * 1e6)))) / 1_000_000n;
}

function fmtSol(l: bigint): string {
  const frac = (l % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${l / 1_000_000_000n}${frac ? `.${frac}` : ''}`;
}
