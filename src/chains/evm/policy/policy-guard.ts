import { decodeFunctionData, encodeFunctionData, getAddress, isAddress, toFunctionSelector, type Hex } from 'viem';
import { exactRatio, formatUnits } from '../../../domain/amount.js';
import type { EpochMs } from '../../../domain/time.js';
import type { TxIntent } from '../evm-tx.js';
import { canonicalSignature, elementType, isArrayType, isIntegerType, typeMax, valueAtPath, type ArgStep, type Bound, type Constraint, type Policy, type PolicyRule, type ResolvedLiteral } from './policy-schema.js';

/**
 * The policy guard: the last check before a transaction is signed. Pure — it reads only the transaction,
 * the compiled policy and the day's spend so far.
 *
 * It trusts nothing the builder says about what the transaction does: the calldata is decoded with the
 * policy rule's own signature, every argument is checked on the decoded value, and the builder's declared
 * `call` must agree with the calldata (a builder that declares one call and encodes another is refused).
 * The only builder declarations used are valueAtRiskWei (floored at msg.value) and the slippage quote,
 * and the declared minOut must equal the calldata's minimum-output argument when the rule names one.
 */

export type GuardResult = { readonly allowed: true; readonly rule: string; readonly description: string } | { readonly allowed: false; readonly reason: string };

export interface GuardContext {
  readonly chainId: number;
  /** Value already sent today (UTC), wei: DailySpend.spentOn(now). */
  readonly spentTodayWei: bigint;
}

/** Value a transaction counts against the caps: what the builder declares, but never less than msg.value. */
export function effectiveValueAtRisk(tx: TxIntent): bigint {
  return tx.valueAtRiskWei > tx.value ? tx.valueAtRiskWei : tx.value;
}

/** Checks one transaction against the policy. */
export function checkTransaction(tx: TxIntent, policy: Policy, ctx: GuardContext): GuardResult {
  const r = evaluate(tx, policy, ctx);
  return r.allowed ? { allowed: true, rule: r.rule.id, description: r.rule.description } : r;
}

export type BatchResult =
  | { readonly allowed: true; readonly results: readonly Extract<GuardResult, { allowed: true }>[]; readonly valueAtRiskWei: bigint }
  | { readonly allowed: false; readonly index: number; readonly reason: string };

/**
 * Checks the transactions one builder produced for one action, in order: each must pass checkTransaction
 * (with the day's spend growing through the batch), and each ERC-20 approval must not exceed what the
 * later calls to its spender pull from the vault under it (the rules' `pulls`), so approvals are exactly
 * the declared need. An approval of 0 (an allowance reset) is always within need.
 */
export function checkBatch(txs: readonly TxIntent[], policy: Policy, ctx: GuardContext): BatchResult {
  const matched: Matched[] = [];
  let spent = ctx.spentTodayWei;
  for (const [i, tx] of txs.entries()) {
    const r = evaluate(tx, policy, { chainId: ctx.chainId, spentTodayWei: spent });
    if (!r.allowed) return { allowed: false, index: i, reason: `transaction ${i + 1} of ${txs.length} (${tx.description}): ${r.reason}` };
    matched.push(r);
    spent += effectiveValueAtRisk(tx);
  }
  for (const [i, m] of matched.entries()) {
    if (m.rule.signature !== 'approve(address,uint256)') continue;
    const token = getAddress(txs[i]!.to);
    const spender = getAddress(m.args[0] as string);
    const amount = toBig(m.args[1]);
    if (amount === 0n) continue;
    let pulled = 0n;
    for (let j = i + 1; j < matched.length; j++) {
      const n = matched[j]!;
      const to = getAddress(txs[j]!.to);
      // A new approval of the same token to the same spender starts a new allowance: stop counting.
      if (n.rule.signature === 'approve(address,uint256)' && to === token && getAddress(n.args[0] as string) === spender) break;
      if (to !== spender) continue;
      const p = n.rule.pulls;
      if (!p) continue;
      const pullToken = 'address' in p.token ? p.token.address : getAddress(valueAtPath(n.args, p.token.arg) as string);
      if (pullToken !== token) continue;
      const a = valueAtPath(n.args, p.amountArg);
      pulled += Array.isArray(a) ? a.reduce<bigint>((s, x) => s + toBig(x), 0n) : toBig(a);
    }
    if (amount > pulled) {
      return {
        allowed: false,
        index: i,
        reason:
          `transaction ${i + 1} of ${txs.length} (${txs[i]!.description}): rule "${m.rule.id}": approves ${fmtInt(amount)} of ${label(policy, token)} to ` +
          `${label(policy, spender)}, but the later calls in this batch pull only ${fmtInt(pulled)} under it (approvals must not exceed the declared need)`,
      };
    }
  }
  return { allowed: true, results: matched.map((m) => ({ allowed: true, rule: m.rule.id, description: m.rule.description })), valueAtRiskWei: spent - ctx.spentTodayWei };
}

// ───────────────────────────── evaluation ─────────────────────────────

interface Matched {
  readonly allowed: true;
  readonly rule: PolicyRule;
  readonly args: readonly unknown[];
}

/** A few common functions, only so that a refusal can name a selector no rule lists. */
const WELL_KNOWN = [
  'transfer(address,uint256)',
  'transferFrom(address,address,uint256)',
  'approve(address,uint256)',
  'increaseAllowance(address,uint256)',
  'setApprovalForAll(address,bool)',
  'safeTransferFrom(address,address,uint256)',
  'permit(address,address,uint256,uint256,uint8,bytes32,bytes32)',
  'multicall(bytes[])',
  'upgradeTo(address)',
  'execute(address,uint256,bytes)',
];

function evaluate(tx: TxIntent, policy: Policy, ctx: GuardContext): Matched | { readonly allowed: false; readonly reason: string } {
  const refuse = (reason: string) => ({ allowed: false as const, reason });
  if (ctx.chainId !== policy.chainId) return refuse(`chain ${ctx.chainId} is not the policy's chain ${policy.chainId}`);
  if (!isAddress(tx.to, { strict: false })) return refuse(`target ${String(tx.to)} is not an address`);
  const data = tx.data.toLowerCase() as Hex;
  if (!/^0x([0-9a-f]{2})*$/.test(data) || data.length < 10) {
    return refuse(`no rule for ${label(policy, tx.to)} with ${data.length <= 2 ? 'empty calldata (a plain ETH transfer)' : `calldata ${data} (shorter than a selector)`}`);
  }
  const selector = data.slice(0, 10) as Hex;
  const onTarget = policy.rules.filter((r) => r.target.toLowerCase() === tx.to.toLowerCase());
  const candidates = onTarget.filter((r) => r.selector === selector);
  if (candidates.length === 0) {
    const what = nameSelector(selector, policy, tx);
    const declared = canonicalSignature(tx.call.signature) ?? tx.call.signature;
    const also = declared && declared !== what ? `; the transaction declares ${declared}` : '';
    const where = onTarget.length === 0 ? ' (no rule names this target)' : ` (rules for this target: ${onTarget.map((r) => `${r.id} ${r.signature}`).join(', ')})`;
    return refuse(`no rule for ${targetLabel(policy, tx.to)}.${what}${where}${also}`);
  }
  const failures: string[] = [];
  for (const rule of candidates) {
    const why = ruleFailure(tx, data, rule, policy);
    if (typeof why === 'string') {
      failures.push(`rule "${rule.id}" (${rule.targetName}.${rule.signature}): ${why}`);
      continue;
    }
    // A rule matched: the policy-wide bounds apply whichever rule it was.
    const head = `rule "${rule.id}" (${rule.targetName}.${rule.signature})`;
    if (tx.valueAtRiskWei < 0n) return refuse(`${head}: valueAtRiskWei ${tx.valueAtRiskWei} is negative`);
    const atRisk = effectiveValueAtRisk(tx);
    if (atRisk > policy.caps.perTransactionWei) {
      return refuse(`${head}: value at risk ${fmtEth(atRisk)} is above the per-transaction cap ${fmtEth(policy.caps.perTransactionWei)}`);
    }
    if (ctx.spentTodayWei + atRisk > policy.caps.perDayWei) {
      return refuse(`${head}: value at risk ${fmtEth(atRisk)} on top of ${fmtEth(ctx.spentTodayWei)} already sent today is above the per-day cap ${fmtEth(policy.caps.perDayWei)}`);
    }
    if (tx.slippage) {
      const { minOut, quotedOut } = tx.slippage;
      const [num, den] = decimalRatio(policy.maxSlippage);
      const floor = (quotedOut * (den - num)) / den;
      if (minOut < floor) {
        return refuse(`${head}: slippage minOut ${fmtInt(minOut)} is below ${fmtInt(floor)}, the quote ${fmtInt(quotedOut)} less the policy's maxSlippage ${policy.maxSlippage}`);
      }
    }
    return { allowed: true, rule, args: why.args };
  }
  return refuse(failures.join('; '));
}

/** Why `rule` does not allow `tx`, or the decoded arguments when it does (rule-local checks only). */
function ruleFailure(tx: TxIntent, data: Hex, rule: PolicyRule, policy: Policy): string | { args: readonly unknown[] } {
  let args: readonly unknown[];
  try {
    args = (decodeFunctionData({ abi: [rule.abi], data }).args ?? []) as readonly unknown[];
  } catch (e) {
    return `calldata does not decode as ${rule.signature} (${(e as { shortMessage?: string }).shortMessage ?? (e as Error).message.split('\n')[0]})`;
  }
  let canonical: Hex;
  try {
    canonical = encodeFunctionData({ abi: [rule.abi], args } as never).toLowerCase() as Hex;
  } catch {
    canonical = '0x';
  }
  if (canonical !== data) return `calldata is not the canonical encoding of ${rule.signature} (it has extra or altered bytes)`;

  // The builder's own account of the call must match what it encoded.
  const declared = canonicalSignature(tx.call.signature);
  if (declared !== rule.signature) return `the transaction declares ${tx.call.signature} but its calldata is ${rule.signature}`;
  if (tx.call.args.length !== args.length) return `the transaction declares ${tx.call.args.length} arguments but its calldata has ${args.length}`;
  for (const [i, a] of args.entries()) {
    if (!sameValue(tx.call.args[i], a)) {
      return `the transaction declares ${pathName([{ index: i, name: rule.abi.inputs[i]?.name ?? '' }])} = ${show(tx.call.args[i], rule.abi.inputs[i]!.type, policy)} but its calldata has ${show(a, rule.abi.inputs[i]!.type, policy)}`;
    }
  }

  for (const check of rule.args) {
    const why = constraintFailure(valueAtPath(args, check.path), check.path.type, check.constraint, policy);
    if (why) return `${pathName(check.path.steps)} = ${why}`;
  }

  if (rule.value === undefined) {
    if (tx.value !== 0n) return `msg.value ${fmtEth(tx.value)} sent to a call the policy allows only without ETH`;
  } else if (tx.value > rule.value.max.wei) {
    return `msg.value ${fmtEth(tx.value)} is above the rule's max ${fmtBound(rule.value.max)}`;
  }

  if (rule.slippage) {
    if (rule.slippage.required && !tx.slippage) return 'a swap must declare its slippage (minOut and quotedOut) and it declares none';
    const at = rule.slippage.minOutArg;
    if (at !== undefined && tx.slippage && toBig(valueAtPath(args, at)) !== tx.slippage.minOut) {
      return `declared slippage minOut ${fmtInt(tx.slippage.minOut)} differs from ${pathName(at.steps)} = ${fmtInt(toBig(valueAtPath(args, at)))} in the calldata`;
    }
  }
  return { args };
}

/** Undefined when `v` meets `c`, else "<bad value>, <what was expected>". */
function constraintFailure(v: unknown, type: string, c: Constraint, policy: Policy): string | undefined {
  if (c.each) {
    if (!Array.isArray(v) || !isArrayType(type)) return `${show(v, type, policy)}, expected an array`;
    for (const [i, e] of v.entries()) {
      const why = constraintFailure(e, elementType(type), c.each, policy);
      if (why) return `[…] with element ${i} = ${why}`;
    }
  }
  if (c.equals && !equalsLiteral(v, type, c.equals)) return `${show(v, type, policy)}, expected ${showLiteral(c.equals, type, policy)}`;
  if (c.oneOf && !c.oneOf.some((l) => equalsLiteral(v, type, l))) {
    return `${show(v, type, policy)}, expected one of ${c.oneOf.map((l) => showLiteral(l, type, policy)).join(', ')}`;
  }
  if (isIntegerType(type)) {
    const n = toBig(v);
    if (c.notMaxUint && n === typeMax(type)) return `${show(v, type, policy)}, expected an exact amount, not the maximum (an unlimited approval)`;
    if (c.max && n > c.max.wei) return `${show(v, type, policy)}, above the max ${fmtBound(c.max)}`;
    if (c.min && n < c.min.wei) return `${show(v, type, policy)}, below the min ${fmtBound(c.min)}`;
  }
  return undefined;
}

function equalsLiteral(v: unknown, type: string, l: ResolvedLiteral): boolean {
  if (type === 'address') return typeof v === 'string' && typeof l.value === 'string' && v.toLowerCase() === l.value.toLowerCase();
  if (isIntegerType(type)) return typeof l.value === 'bigint' && toBig(v) === l.value;
  if (/^bytes\d*$/.test(type)) return typeof v === 'string' && v.toLowerCase() === l.value;
  return v === l.value;
}

/**
 * A fraction as the decimal the file wrote: 0.01 → 1/100 exactly (not the binary double just above it).
 * Falls back to the double's exact value for numbers printed in exponent form.
 */
function decimalRatio(x: number): readonly [bigint, bigint] {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(String(x));
  if (!m) return exactRatio(x);
  const frac = m[2] ?? '';
  return [BigInt(m[1]! + frac), 10n ** BigInt(frac.length)];
}

// ───────────────────────────── comparison and display ─────────────────────────────

function toBig(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return -1n; // not an integer: fails any bound and equality on an unsigned value
}

/** Declared vs decoded: integers by value whatever their JS type, hex (addresses, bytes) case-insensitively. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof b === 'bigint' || typeof b === 'number') {
    const isInt = (x: unknown) => typeof x === 'bigint' || (typeof x === 'number' && Number.isSafeInteger(x)) || (typeof x === 'string' && /^-?\d+$/.test(x));
    return isInt(a) && toBig(a) === toBig(b);
  }
  if (typeof a === 'string' && typeof b === 'string') return /^0x[0-9a-f]*$/i.test(b) ? a.toLowerCase() === b.toLowerCase() : a === b;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && kb.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/** "arg 2 (onBehalfOf)", "arg 0.3 (params.recipient)". */
function pathName(steps: readonly ArgStep[]): string {
  const at = steps.map((s) => s.index).join('.');
  const named = steps.every((s) => s.name !== '') ? steps.map((s) => s.name).join('.') : '';
  return named ? `arg ${at} (${named})` : `arg ${at}`;
}

function nameSelector(selector: Hex, policy: Policy, tx: TxIntent): string {
  for (const r of policy.rules) if (r.selector === selector) return r.signature;
  const declared = canonicalSignature(tx.call.signature);
  if (declared && toFunctionSelector(declared) === selector) return declared;
  for (const s of WELL_KNOWN) if (toFunctionSelector(s) === selector) return s;
  return `selector ${selector}`;
}

function targetLabel(policy: Policy, a: string): string {
  const n = policy.names.get(a.toLowerCase());
  return n ? `${n} (${safeChecksum(a)})` : `${safeChecksum(a)} (not a named address)`;
}

/** "0x7f39…2Ca0 (wsteth)" with the full address, or "(not a named address)". */
function label(policy: Policy, a: string): string {
  const n = policy.names.get(a.toLowerCase());
  return `${safeChecksum(a)} (${n ?? 'not a named address'})`;
}

function safeChecksum(a: string): string {
  try {
    return getAddress(a);
  } catch {
    return a;
  }
}

function show(v: unknown, type: string, policy: Policy): string {
  if (type === 'address' && typeof v === 'string') return label(policy, v);
  if (isIntegerType(type) && (typeof v === 'bigint' || typeof v === 'number')) {
    const n = BigInt(v);
    return n === typeMax(type) && type.startsWith('u') ? `${n} (max ${type})` : fmtInt(n);
  }
  if (Array.isArray(v)) return `[${v.map((e) => show(e, elementType(type), policy)).join(', ')}]`;
  if (typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? String(v);
}

function showLiteral(l: ResolvedLiteral, type: string, policy: Policy): string {
  if (type === 'address' && typeof l.value === 'string') {
    return l.text.toLowerCase() === l.value.toLowerCase() ? label(policy, l.value) : `${l.text} (${l.value})`;
  }
  return l.text === String(l.value) ? l.text : `${l.text} (${String(l.value)})`;
}

/** Integer amounts with their 18-decimal reading when large: "60000000000000000000 (60e18)". */
function fmtInt(n: bigint): string {
  return n >= 10n ** 12n ? `${n} (${formatUnits(n, 18)}e18)` : String(n);
}

function fmtEth(wei: bigint): string {
  return `${formatUnits(wei, 18)} ETH`;
}

function fmtBound(b: Bound): string {
  return b.text === String(b.wei) ? fmtInt(b.wei) : `${b.text} = ${fmtInt(b.wei)}`;
}

// ───────────────────────────── daily spend ─────────────────────────────

// Shared with the Solana guard (chains/daily-spend.ts); re-exported so the EVM API stays as it was.
export { DailySpend, utcDay } from '../../daily-spend.js';
