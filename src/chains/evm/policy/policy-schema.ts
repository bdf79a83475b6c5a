import { getAddress, isAddress, parseAbiItem, toFunctionSelector, toFunctionSignature, type AbiFunction, type Address, type Hex } from 'viem';
import { z } from 'zod';
import { loadYaml, parseYaml } from '../../../config/load-yaml.js';
import { parseUnits } from '../../../domain/amount.js';

/**
 * The transaction policy a vault manager reads and signs off: which contracts the keeper may call, with
 * which functions and arguments, and how much value may move. Format: config/policies/README.md.
 *
 * The file is validated in full (every problem reported with file:line:col and its path) and compiled into
 * a `Policy`: names resolved to addresses, signatures parsed into ABI items with their selectors, amounts
 * turned into exact wei. The guard (policy-guard.ts) only ever sees the compiled form.
 */

/** The placeholder vault address shipped in the example policy; refused unless `allowPlaceholder`. */
export const PLACEHOLDER_VAULT: Address = '0x000000000000000000000000000000000000dEaD';

/** Names an amount bound may use instead of a number: the policy's own caps. */
export const CAP_KEYWORDS = ['perTransactionEth', 'perDayEth'] as const;
export type CapKeyword = (typeof CAP_KEYWORDS)[number];

// ───────────────────────────── compiled form ─────────────────────────────

/** A literal from the file resolved against the parameter's ABI type. */
export interface ResolvedLiteral {
  /** As written in the file ("vault", "aavePool", "0", "1 ETH"). */
  readonly text: string;
  readonly value: Address | bigint | boolean | string;
}

/** A `max` / `min` bound in base units, with its text for messages. */
export interface Bound {
  readonly text: string;
  readonly wei: bigint;
}

export interface Constraint {
  readonly equals?: ResolvedLiteral | undefined;
  readonly oneOf?: readonly ResolvedLiteral[] | undefined;
  readonly max?: Bound | undefined;
  readonly min?: Bound | undefined;
  readonly each?: Constraint | undefined;
  /** The value must not be the type's maximum (2^256−1 for uint256): no unlimited approvals. */
  readonly notMaxUint: boolean;
}

/** One step into the decoded arguments: a parameter, or a field of a struct (tuple), by position and name. */
export interface ArgStep {
  readonly index: number;
  /** Name from the signature, or "" when the signature has none. */
  readonly name: string;
}

/**
 * Where a value sits in a call's arguments: a parameter ("amount", "1") or a field inside a struct
 * parameter ("params.recipient", "0.3"). Struct fields are reached by position and by name, because viem
 * decodes a tuple with named fields as an object and one without as an array.
 */
export interface ArgPath {
  readonly steps: readonly ArgStep[];
  /** ABI type of the value at the end of the path, e.g. "uint256", "address", "uint256[]". */
  readonly type: string;
  /** As the file wrote it, for messages. */
  readonly text: string;
}

export interface ArgCheck {
  readonly path: ArgPath;
  readonly constraint: Constraint;
}

export interface PolicyRule {
  readonly id: string;
  /** Why this call is allowed, for the person reviewing the policy. */
  readonly description: string;
  readonly target: Address;
  /** The target as written (an address name or the address). */
  readonly targetName: string;
  /** Canonical signature without names, e.g. "supply(address,uint256,address,uint16)". */
  readonly signature: string;
  readonly selector: Hex;
  readonly abi: AbiFunction;
  readonly args: readonly ArgCheck[];
  /** msg.value bound; absent means the call must carry no ETH. */
  readonly value?: { readonly max: Bound } | undefined;
  /** For swaps: which argument is the minimum output, and whether a slippage declaration is required. */
  readonly slippage?: { readonly minOutArg?: ArgPath | undefined; readonly required: boolean } | undefined;
  /**
   * What this call pulls from the vault under an ERC-20 allowance (token and amount argument). An approval
   * in a batch must not exceed what later calls to its spender pull (see checkBatch).
   */
  readonly pulls?: { readonly token: { readonly address: Address } | { readonly arg: ArgPath }; readonly amountArg: ArgPath } | undefined;
}

export interface Policy {
  readonly version: 1;
  readonly chainId: number;
  readonly vault: Address;
  readonly caps: { readonly perTransactionWei: bigint; readonly perDayWei: bigint };
  /** Largest accepted shortfall of minOut below the quote, as a fraction (0.01 = 1 %). */
  readonly maxSlippage: number;
  /** Named addresses, including "vault". */
  readonly addresses: ReadonlyMap<string, Address>;
  /** Lower-case address → first name it was given ("vault" first), for messages. */
  readonly names: ReadonlyMap<string, string>;
  readonly rules: readonly PolicyRule[];
}

// ───────────────────────────── helpers shared with the guard ─────────────────────────────

const AMOUNT = /^(\d+(?:\.\d+)?)\s*(eth|ether|gwei|wei)?$/i;
const UNIT_DECIMALS: Record<string, number> = { eth: 18, ether: 18, gwei: 9, wei: 0 };

/**
 * An amount as written in a policy: an integer number of base units ("1000000000000000000", 100), or a
 * decimal with a unit ("1.5 ETH", "10 gwei", "100 wei"). Exact: no floating point is involved.
 */
export function parseAmount(spec: string | number): bigint {
  if (typeof spec === 'number') {
    if (!Number.isSafeInteger(spec) || spec < 0) throw new RangeError(`not a non-negative whole number of base units: ${spec} (quote large or fractional amounts with a unit, e.g. "1.5 ETH")`);
    return BigInt(spec);
  }
  const m = AMOUNT.exec(spec.trim());
  if (!m) throw new RangeError(`not an amount: "${spec}" (expected wei, or a decimal with a unit, e.g. "500 ETH", "10 gwei")`);
  const unit = m[2]?.toLowerCase();
  if (unit === undefined) {
    if (m[1]!.includes('.')) throw new RangeError(`"${spec}" has a fraction but no unit (a bare number is wei; write e.g. "${spec} ETH")`);
    return BigInt(m[1]!);
  }
  return parseUnits(m[1]!, UNIT_DECIMALS[unit]!);
}

/** Parses "wrap(uint256)" or "supply(address asset, uint256 amount, …)" into an ABI function item. */
export function parseSignature(text: string): AbiFunction {
  const t = text.trim();
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*\s*\(.*\)$/s.test(t)) {
    throw new RangeError('expected name(type [name], …) with nothing after the closing parenthesis');
  }
  const item = parseAbiItem(`function ${t}` as string) as unknown;
  if (!item || typeof item !== 'object' || (item as { type?: unknown }).type !== 'function') throw new RangeError('not a function signature');
  return item as AbiFunction;
}

/** Canonical form of a signature (types only, no spaces), or undefined when it does not parse. */
export function canonicalSignature(text: string): string | undefined {
  try {
    return toFunctionSignature(parseSignature(text));
  } catch {
    return undefined;
  }
}

export const isArrayType = (t: string): boolean => /\[\d*\]$/.test(t);
export const elementType = (t: string): string => t.replace(/\[\d*\]$/, '');
export const isIntegerType = (t: string): boolean => /^u?int\d*$/.test(t);
/** Largest value of uintN / intN. */
export function typeMax(t: string): bigint {
  const m = /^(u?)int(\d*)$/.exec(t);
  if (!m) throw new RangeError(`not an integer type: ${t}`);
  const bits = BigInt(m[2] || '256');
  return m[1] === 'u' ? (1n << bits) - 1n : (1n << (bits - 1n)) - 1n;
}

type AbiParam = AbiFunction['inputs'][number];
const componentsOf = (p: AbiParam): readonly AbiParam[] | undefined => ('components' in p ? (p.components as readonly AbiParam[]) : undefined);

/**
 * Resolves an argument reference against a signature: a parameter by index ("2", 2) or name
 * ("onBehalfOf"), then, through struct parameters, fields by index or name joined with dots
 * ("params.recipient", "0.3"). A message saying what exists where the path went wrong, if it does not.
 */
export function resolveArgPath(abi: AbiFunction, ref: string | number, signatureText = toFunctionSignature(abi)): ArgPath | string {
  const text = String(ref);
  const parts = text.split('.');
  let level: readonly AbiParam[] = abi.inputs;
  let where = `a parameter of ${signatureText}`;
  const steps: ArgStep[] = [];
  let param: AbiParam | undefined;
  for (const [k, part] of parts.entries()) {
    const i = /^\d+$/.test(part) ? (Number(part) < level.length ? Number(part) : -1) : level.findIndex((p) => p.name === part);
    if (i < 0) return `${where}: ${describeParams(level)}${k > 0 ? ` (after "${parts.slice(0, k).join('.')}")` : ''}`;
    param = level[i]!;
    steps.push({ index: i, name: param.name ?? '' });
    if (k === parts.length - 1) break;
    const inner = param.type === 'tuple' ? componentsOf(param) : undefined;
    if (!inner) return `a path into a struct ("${parts.slice(0, k + 1).join('.')}" is ${param.type}, which has no fields)`;
    level = inner;
    where = `a field of ${parts.slice(0, k + 1).join('.')}`;
  }
  return { steps, type: param!.type, text };
}

function describeParams(params: readonly AbiParam[]): string {
  return params.map((p, i) => (p.name ? `${i} or "${p.name}"` : `${i}`)).join(', ') || 'none (the function takes no arguments)';
}

// ───────────────────────────── literal and bound resolution ─────────────────────────────

type Lit = string | number | boolean;
type Resolution = { kind: 'ok'; value: ResolvedLiteral['value'] } | { kind: 'bad'; message: string } | { kind: 'unknown-name'; name: string };

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Resolves a literal against an ABI type. Address names need `names`; without it an unknown name is
 * reported as 'unknown-name' so the per-rule check can leave it to the whole-file check.
 */
function resolveLiteral(lit: Lit, type: string, names: ReadonlyMap<string, Address> | undefined): Resolution {
  if (type === 'address') {
    if (typeof lit !== 'string') return { kind: 'bad', message: 'an address, an address name or "vault"' };
    if (HEX_ADDRESS.test(lit)) {
      return isAddress(lit, { strict: true }) ? { kind: 'ok', value: getAddress(lit) } : { kind: 'bad', message: 'a valid EIP-55 checksummed address (the mixed-case checksum does not match)' };
    }
    if (!NAME.test(lit)) return { kind: 'bad', message: 'an address, an address name or "vault"' };
    const a = names?.get(lit);
    return a ? { kind: 'ok', value: a } : { kind: 'unknown-name', name: lit };
  }
  if (isIntegerType(type)) {
    let v: bigint;
    try {
      if (typeof lit === 'boolean') throw new RangeError('');
      if (typeof lit === 'string' && /^-\d+$/.test(lit.trim())) v = BigInt(lit.trim());
      else if (typeof lit === 'number' && Number.isSafeInteger(lit) && lit < 0) v = BigInt(lit);
      else v = parseAmount(lit);
    } catch {
      return { kind: 'bad', message: `an integer for ${type} (a whole number, or an amount with a unit like "1 ETH")` };
    }
    const max = typeMax(type);
    const min = type.startsWith('u') ? 0n : -max - 1n;
    if (v > max || v < min) return { kind: 'bad', message: `a value that fits ${type}` };
    return { kind: 'ok', value: v };
  }
  if (type === 'bool') return typeof lit === 'boolean' ? { kind: 'ok', value: lit } : { kind: 'bad', message: 'true or false' };
  if (type === 'string') return typeof lit === 'string' ? { kind: 'ok', value: lit } : { kind: 'bad', message: 'a string' };
  if (/^bytes\d*$/.test(type)) {
    return typeof lit === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(lit) ? { kind: 'ok', value: lit.toLowerCase() } : { kind: 'bad', message: 'hex bytes (0x…)' };
  }
  return { kind: 'bad', message: `a type that constraints support (${type} is not; use "each" for arrays)` };
}

function resolveBound(spec: string | number, caps: Caps | undefined): { ok: true; bound: Bound } | { ok: false; message: string } {
  if (typeof spec === 'string' && (CAP_KEYWORDS as readonly string[]).includes(spec.trim())) {
    const key = spec.trim() as CapKeyword;
    return { ok: true, bound: { text: key, wei: caps ? (key === 'perTransactionEth' ? caps.perTransactionWei : caps.perDayWei) : 0n } };
  }
  try {
    return { ok: true, bound: { text: String(spec), wei: parseAmount(spec) } };
  } catch (e) {
    return { ok: false, message: `${(e as Error).message}, or one of ${CAP_KEYWORDS.join(', ')}` };
  }
}

interface Caps {
  readonly perTransactionWei: bigint;
  readonly perDayWei: bigint;
}

// ───────────────────────────── file schema ─────────────────────────────

const literal = z.union([z.string(), z.number(), z.boolean()]);
const amountSpec = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  const r = resolveBound(v, undefined);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message });
});

export interface ConstraintInput {
  equals?: Lit | undefined;
  oneOf?: Lit[] | undefined;
  max?: string | number | undefined;
  min?: string | number | undefined;
  each?: ConstraintInput | undefined;
  notMaxUint?: true | undefined;
}

const ConstraintSchema: z.ZodType<ConstraintInput> = z.lazy(() =>
  z
    .object({
      equals: literal.optional(),
      oneOf: z.array(literal).min(1, 'at least one allowed value').optional(),
      max: amountSpec.optional(),
      min: amountSpec.optional(),
      each: ConstraintSchema.optional(),
      notMaxUint: z.literal(true).optional(),
    })
    .strict()
    .refine((c) => Object.values(c).some((v) => v !== undefined), 'at least one of equals, oneOf, max, min, each, notMaxUint'),
);

const argRef = z.union([z.string().min(1), z.number().int().min(0)]);

const ethDecimal = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  try {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError('');
    parseUnits(String(v), 18);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'a non-negative decimal amount of ETH as a string, e.g. "50" or "12.5" (at most 18 decimals)' });
  }
});

const addressText = z
  .string({ error: 'a 0x-prefixed 20-byte address in quotes' })
  .refine((s) => HEX_ADDRESS.test(s) && isAddress(s, { strict: true }), 'a 0x-prefixed 20-byte hex address (EIP-55 checksummed if mixed case)');

const RuleInputSchema = z
  .object({
    id: z.string({ error: 'a rule id' }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a rule id of letters, digits, ".", "_" or "-"'),
    description: z.string({ error: 'a description of why this call is allowed (required)' }).trim().min(1, 'a non-empty description of why this call is allowed'),
    target: z.string({ error: 'an address name or an address' }).min(1),
    function: z.string({ error: 'a function signature, e.g. "wrap(uint256)"' }).superRefine((s, ctx) => {
      try {
        parseSignature(s);
      } catch (e) {
        const msg = (e as { shortMessage?: string }).shortMessage ?? (e as Error).message.split('\n')[0];
        ctx.addIssue({ code: 'custom', message: `a function signature like "wrap(uint256)" or "supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)" (${msg})` });
      }
    }),
    args: z.record(z.string(), ConstraintSchema).optional(),
    value: z.object({ max: amountSpec }).strict().optional(),
    slippage: z.object({ minOutArg: argRef.optional(), required: z.boolean().default(false) }).strict().optional(),
    pulls: z
      .object({ token: z.string().optional(), tokenArg: argRef.optional(), amountArg: argRef })
      .strict()
      .refine((p) => (p.token === undefined) !== (p.tokenArg === undefined), 'exactly one of token (an address name) or tokenArg (the argument holding the token)')
      .optional(),
  })
  .strict()
  .superRefine((rule, ctx) => checkRule(rule, undefined, (path, message) => ctx.addIssue({ code: 'custom', path, message })));

type RuleInput = z.output<typeof RuleInputSchema>;
type Report = (path: (string | number)[], message: string) => void;

/**
 * Checks a rule's arguments against its own signature. With `names` it reports only references to
 * unknown address names (the whole-file pass); without, everything else (the per-rule pass).
 */
function checkRule(rule: RuleInput, names: ReadonlyMap<string, Address> | undefined, report: Report): void {
  let abi: AbiFunction;
  try {
    abi = parseSignature(rule.function);
  } catch {
    return; // reported on the field itself
  }
  const wantNames = names !== undefined;
  const literalIssue = (r: Resolution, path: (string | number)[], type: string): void => {
    if (r.kind === 'bad' && !wantNames) report(path, `${r.message} (parameter type ${type})`);
    if (r.kind === 'unknown-name' && wantNames) report(path, `a name listed under addresses, "vault" or an address (unknown name "${r.name}")`);
  };
  const walk = (c: ConstraintInput, type: string, path: (string | number)[]): void => {
    const scalar = !isArrayType(type) && !type.startsWith('tuple');
    if (c.equals !== undefined) {
      if (!scalar) !wantNames && report([...path, 'equals'], `a constraint that fits ${type} (use "each" for arrays)`);
      else literalIssue(resolveLiteral(c.equals, type, names), [...path, 'equals'], type);
    }
    if (c.oneOf !== undefined) {
      if (!scalar) !wantNames && report([...path, 'oneOf'], `a constraint that fits ${type} (use "each" for arrays)`);
      else c.oneOf.forEach((l, i) => literalIssue(resolveLiteral(l, type, names), [...path, 'oneOf', i], type));
    }
    if (!wantNames) {
      for (const k of ['max', 'min', 'notMaxUint'] as const) {
        if (c[k] !== undefined && !isIntegerType(type)) report([...path, k], `a constraint that fits ${type} (${k} applies to integer parameters)`);
      }
      if (c.each !== undefined && !isArrayType(type)) report([...path, 'each'], `a constraint that fits ${type} ("each" applies to arrays)`);
    }
    if (c.each !== undefined && isArrayType(type)) walk(c.each, elementType(type), [...path, 'each']);
  };
  for (const [key, c] of Object.entries(rule.args ?? {})) {
    const at = resolveArgPath(abi, key, rule.function.trim());
    if (typeof at === 'string') {
      if (!wantNames) report(['args', key], at);
      continue;
    }
    walk(c, at.type, ['args', key]);
  }
  const refCheck = (ref: string | number | undefined, path: (string | number)[], ok: (type: string) => boolean, what: string): void => {
    if (ref === undefined || wantNames) return;
    const at = resolveArgPath(abi, ref, rule.function.trim());
    if (typeof at === 'string') report(path, at);
    else if (!ok(at.type)) report(path, `${what} (${ref} is ${at.type})`);
  };
  refCheck(rule.slippage?.minOutArg, ['slippage', 'minOutArg'], isIntegerType, 'an integer parameter');
  refCheck(rule.pulls?.amountArg, ['pulls', 'amountArg'], (t) => isIntegerType(elementType(t)), 'an integer or integer-array parameter');
  refCheck(rule.pulls?.tokenArg, ['pulls', 'tokenArg'], (t) => t === 'address', 'an address parameter');
  if (rule.pulls?.token !== undefined) literalIssue(resolveLiteral(rule.pulls.token, 'address', names), ['pulls', 'token'], 'address');
}

const PolicyInputSchema = z
  .object({
    version: z.literal(1),
    chainId: z.number().int().positive(),
    vault: addressText,
    caps: z.object({ perTransactionEth: ethDecimal, perDayEth: ethDecimal }).strict(),
    maxSlippage: z.number().min(0).lt(1, 'a fraction below 1 (0.01 = 1 %)'),
    addresses: z.record(z.string().regex(NAME, 'an address name of letters, digits, ".", "_" or "-", starting with a letter'), addressText).default({}),
    rules: z.array(RuleInputSchema).min(1, 'at least one rule'),
  })
  .strict();

type PolicyInput = z.output<typeof PolicyInputSchema>;

function nameMap(p: PolicyInput): Map<string, Address> {
  const m = new Map<string, Address>([['vault', getAddress(p.vault)]]);
  for (const [k, a] of Object.entries(p.addresses)) if (k !== 'vault') m.set(k, getAddress(a));
  return m;
}

export interface PolicyOptions {
  /** Accept the shipped placeholder vault address 0x…dEaD (tests only). */
  readonly allowPlaceholder?: boolean | undefined;
}

/** The policy file schema; its output is the compiled `Policy`. */
export function policySchema(opts: PolicyOptions = {}) {
  return PolicyInputSchema.superRefine((p, ctx) => {
    const report: Report = (path, message) => ctx.addIssue({ code: 'custom', path, message });
    if (!opts.allowPlaceholder && getAddress(p.vault) === PLACEHOLDER_VAULT) {
      report(['vault'], `the vault's own address (${PLACEHOLDER_VAULT} is the shipped placeholder: the vault manager must set it)`);
    }
    if ('vault' in p.addresses) report(['addresses', 'vault'], 'no entry named "vault" (it is reserved for the top-level vault address)');
    const names = nameMap(p);
    const seen = new Map<string, number>();
    p.rules.forEach((rule, i) => {
      const first = seen.get(rule.id);
      if (first !== undefined) report(['rules', i, 'id'], `a unique rule id ("${rule.id}" is also rule ${first})`);
      else seen.set(rule.id, i);
      literalIssue(resolveLiteral(rule.target, 'address', names), ['rules', i, 'target']);
      checkRule(rule, names, (path, message) => report(['rules', i, ...path], message));
    });
    function literalIssue(r: Resolution, path: (string | number)[]): void {
      if (r.kind === 'bad') report(path, `${r.message}`);
      if (r.kind === 'unknown-name') report(path, `a name listed under addresses, "vault" or an address (unknown name "${r.name}")`);
    }
  }).transform(compile);
}

/** The schema with the placeholder vault refused. */
export const PolicySchema = policySchema();

// ───────────────────────────── compile ─────────────────────────────

function compile(p: PolicyInput): Policy {
  const addresses = nameMap(p);
  const names = new Map<string, string>();
  for (const [k, a] of addresses) if (!names.has(a.toLowerCase())) names.set(a.toLowerCase(), k);
  const caps: Caps = { perTransactionWei: parseUnits(String(p.caps.perTransactionEth), 18), perDayWei: parseUnits(String(p.caps.perDayEth), 18) };
  const lit = (l: Lit, type: string): ResolvedLiteral => {
    const r = resolveLiteral(l, type, addresses);
    if (r.kind !== 'ok') throw new Error(`policy compile: unresolved literal ${String(l)} (validation should have caught this)`);
    return { text: String(l), value: r.value };
  };
  const bound = (s: string | number): Bound => {
    const r = resolveBound(s, caps);
    if (!r.ok) throw new Error(`policy compile: bad bound ${s}`);
    return r.bound;
  };
  const constraint = (c: ConstraintInput, type: string): Constraint => ({
    equals: c.equals === undefined ? undefined : lit(c.equals, type),
    oneOf: c.oneOf?.map((l) => lit(l, type)),
    max: c.max === undefined ? undefined : bound(c.max),
    min: c.min === undefined ? undefined : bound(c.min),
    each: c.each === undefined ? undefined : constraint(c.each, elementType(type)),
    notMaxUint: c.notMaxUint === true,
  });
  const rules = p.rules.map((r): PolicyRule => {
    const abi = parseSignature(r.function);
    const idx = (ref: string | number): ArgPath => {
      const at = resolveArgPath(abi, ref);
      if (typeof at === 'string') throw new Error(`policy compile: bad argument path ${ref} (validation should have caught this)`);
      return at;
    };
    const args = Object.entries(r.args ?? {})
      .map(([key, c]): ArgCheck => {
        const path = idx(key);
        return { path, constraint: constraint(c, path.type) };
      })
      .sort((a, b) => comparePaths(a.path, b.path));
    return {
      id: r.id,
      description: r.description,
      target: lit(r.target, 'address').value as Address,
      targetName: r.target,
      signature: toFunctionSignature(abi),
      selector: toFunctionSelector(abi),
      abi,
      args,
      value: r.value ? { max: bound(r.value.max) } : undefined,
      slippage: r.slippage ? { minOutArg: r.slippage.minOutArg === undefined ? undefined : idx(r.slippage.minOutArg), required: r.slippage.required } : undefined,
      pulls: r.pulls
        ? { token: r.pulls.token !== undefined ? { address: lit(r.pulls.token, 'address').value as Address } : { arg: idx(r.pulls.tokenArg!) }, amountArg: idx(r.pulls.amountArg) }
        : undefined,
    };
  });
  return { version: 1, chainId: p.chainId, vault: addresses.get('vault')!, caps, maxSlippage: p.maxSlippage, addresses, names, rules };
}

/** Argument order: checks run, and refusals read, in the order the arguments appear in the call. */
function comparePaths(a: ArgPath, b: ArgPath): number {
  for (let k = 0; k < Math.min(a.steps.length, b.steps.length); k++) {
    const d = a.steps[k]!.index - b.steps[k]!.index;
    if (d !== 0) return d;
  }
  return a.steps.length - b.steps.length;
}

/** The value at `path` in decoded arguments (a named struct decodes as an object, an unnamed one as an array). */
export function valueAtPath(args: readonly unknown[], path: ArgPath): unknown {
  let v: unknown = args;
  for (const step of path.steps) {
    if (Array.isArray(v)) v = v[step.index];
    else if (v !== null && typeof v === 'object') v = (v as Record<string, unknown>)[step.name];
    else return undefined;
  }
  return v;
}

// ───────────────────────────── loading ─────────────────────────────

/** Reads and compiles a policy file; throws ConfigError listing every problem with file:line:col and path. */
export function loadPolicy(file: string, opts: PolicyOptions = {}): Policy {
  return loadYaml(file, policySchema(opts));
}

/** As loadPolicy, from text already in memory (`file` is only used in messages). */
export function parsePolicy(text: string, file: string, opts: PolicyOptions = {}): Policy {
  return parseYaml(text, file, policySchema(opts));
}
