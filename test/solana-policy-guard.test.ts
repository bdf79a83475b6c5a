import { readFileSync } from 'node:fs';
import { createApproveInstruction, createCloseAccountInstruction, createSetAuthorityInstruction, AuthorityType, createTransferInstruction } from '@solana/spl-token';
import { AddressLookupTableAccount, ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, TransactionInstruction, TransactionMessage } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { anchorDiscriminator } from '../src/chains/solana/builders/common.js';
import { ata, NATIVE_MINT, wrapSol } from '../src/chains/solana/builders/plumbing.js';
import { buildSolAction, prepareSolAction, solanaBuilders } from '../src/chains/solana/builders/registry.js';
import type { SolBuildContext, SolTxIntent } from '../src/chains/solana/builders/types.js';
import { checkSolTransaction, type SolGuardInput } from '../src/chains/solana/policy/sol-policy-guard.js';
import { loadSolPolicy, parseSolPolicy, SolPolicyError, type SolPolicy } from '../src/chains/solana/policy/sol-policy-schema.js';
import type { PlannedAction } from '../src/domain/action.js';
import { ConfigError } from '../src/errors.js';
import { fixedReader, loadDump } from './support/sol-accounts.js';
import { thrown } from './support/thrown.js';

const FILE = new URL('../config/policies/sol-staking.policy.yaml', import.meta.url).pathname;
const PLACEHOLDER = new PublicKey('11111111111111111111111111111112');
const VAULT = Keypair.generate().publicKey;
const policy: SolPolicy = (() => {
  const text = readFileSync(FILE, 'utf8').replace(PLACEHOLDER.toBase58(), VAULT.toBase58());
  return parseSolPolicy(text, FILE);
})();
const JITOSOL = new PublicKey('J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn');
const JUP = new PublicKey('JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4');
const jito = loadDump('jitoSOL_stake_pool.json');
const BLOCKHASH = '4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofM';

function compile(ixs: readonly TransactionInstruction[], tables: AddressLookupTableAccount[] = [], payer = VAULT): Uint8Array {
  return new TransactionMessage({ payerKey: payer, recentBlockhash: BLOCKHASH, instructions: [...ixs] }).compileToV0Message(tables).serialize();
}

function check(ixs: readonly TransactionInstruction[], declared: SolGuardInput['declared'] = { valueAtRiskLamports: 0n }, o: { tables?: AddressLookupTableAccount[]; spentToday?: bigint; payer?: PublicKey } = {}) {
  return checkSolTransaction({ message: compile(ixs, o.tables, o.payer), tables: o.tables ?? [], declared, spentToday: o.spentToday ?? 0n }, policy);
}

async function depositIntent(lamports: bigint, c: Partial<SolBuildContext> = {}): Promise<SolTxIntent> {
  const ctx: SolBuildContext = { vault: VAULT, baseAsset: 'SOL', mints: { JitoSOL: JITOSOL.toBase58() }, venues: { JitoSOL: { kind: 'spl-stake-pool', program: 'SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy', pool: jito.pubkey.toBase58(), slippageInstructions: true } }, maxSlippage: 0.005, ...c };
  const a: PlannedAction = { seq: 0, kind: 'mint', from: 'SOL', to: 'JitoSOL', amountIn: lamports, expectedOut: 0n, minOut: 0n, venue: 't', estCostBase: 0n, delaySeconds: 0, reason: 't' };
  const b = solanaBuilders();
  return buildSolAction(a, await prepareSolAction(a, ctx, fixedReader(0n, 793n, [[jito.pubkey, jito.account]]), b), b)[0]!;
}

describe('Solana policy file', () => {
  it('the shipped policy loads, and refuses its placeholder vault until the manager sets one', () => {
    const p = loadSolPolicy(FILE, { allowPlaceholder: true });
    expect(p.rules.length).toBeGreaterThan(20);
    expect(p.perTransaction).toBe(5_000_000_000_000n);
    expect(thrown(SolPolicyError, () => loadSolPolicy(FILE)).message).toMatch(/placeholder/);
  });

  it('a malformed policy is refused naming the path', () => {
    const text = `version: 1\nchain: solana\nvault: "${VAULT.toBase58()}"\ncaps: { perTransactionSol: "ten", perDaySol: "1" }\nmaxSlippage: 0.01\nmaxMicroLamportsPerCu: 1\nmints: [x]\nrules: []\n`;
    const e = thrown(ConfigError, () => parseSolPolicy(text, 'p.yaml'));
    expect(e.message).toMatch(/caps\.perTransactionSol/);
    expect(e.message).toMatch(/rules/);
  });
});

describe('Solana policy guard on compiled v0 messages', () => {
  it('allows a stake-pool deposit as built, journaling the rule (and the plumbing built-ins)', async () => {
    const tx = await depositIntent(100_000_000_000n);
    const r = check([ComputeBudgetProgram.setComputeUnitLimit({ units: 80_000 }), ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 50_000 }), ...tx.instructions], tx);
    expect(r).toMatchObject({ allowed: true, rule: 'spl-deposit-sol-slippage', valueAtRisk: 100_000_000_000n });
    expect(r.allowed && r.rules).toEqual(['builtin:compute-unit-limit', 'builtin:compute-unit-price', 'ata-create-idempotent', 'spl-deposit-sol-slippage']);
  });

  it('refuses a priority fee above the cap', async () => {
    const tx = await depositIntent(1_000_000_000n);
    const r = check([ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1_000_001 }), ...tx.instructions], tx);
    expect(r).toMatchObject({ allowed: false, instruction: 0 });
    expect(!r.allowed && r.reason).toMatch(/priority fee 1000001 micro-lamports\/CU is above the cap 1000000/);
  });

  it('counts the value from the message itself: a deposit above the per-transaction cap is refused even if the builder declares 0', async () => {
    const tx = await depositIntent(6_000_000_000_000n);
    const r = check(tx.instructions, { ...tx, valueAtRiskLamports: 0n });
    expect(!r.allowed && r.reason).toMatch(/lamports 6000000000000 is above the bound 5000000000000/);
    const ok = await depositIntent(4_000_000_000_000n);
    const day = check(ok.instructions, ok, { spentToday: 27_000_000_000_000n });
    expect(!day.allowed && day.reason).toMatch(/above the per-day cap 30000 SOL/);
  });

  it('refuses a deposit whose tokens go to someone else, or whose minimum out is under the slippage floor', async () => {
    const tx = await depositIntent(1_000_000_000n);
    const dep = tx.instructions[1]!;
    const thief = ata(Keypair.generate().publicKey, JITOSOL);
    const stolen = new TransactionInstruction({ ...dep, keys: dep.keys.map((k, i) => (i === 4 ? { ...k, pubkey: thief } : k)) });
    expect(check([stolen], tx)).toMatchObject({ allowed: false, reason: expect.stringMatching(/account 4 \(destination\) .* is not one of the vault's token accounts/) });
    const data = Buffer.from(dep.data);
    data.writeBigUInt64LE(tx.slippage!.quotedOut / 2n, 9);
    const loose = new TransactionInstruction({ ...dep, data });
    expect(check([loose], tx)).toMatchObject({ allowed: false, reason: expect.stringMatching(/min pool tokens out .* is below quote .* × \(1 − 0.01\)/) });
  });

  it('refuses SetAuthority, CloseAccount to a foreign account and Approve to an unknown delegate, whatever else is in the message', () => {
    const mine = ata(VAULT, JITOSOL);
    const other = Keypair.generate().publicKey;
    expect(check([createSetAuthorityInstruction(mine, VAULT, AuthorityType.AccountOwner, other)])).toMatchObject({ allowed: false, reason: expect.stringMatching(/SetAuthority is never allowed/) });
    expect(check([createCloseAccountInstruction(mine, other, VAULT)])).toMatchObject({ allowed: false, reason: expect.stringMatching(/CloseAccount pays .*, not the vault/) });
    expect(check([createApproveInstruction(mine, other, VAULT, 5n)])).toMatchObject({ allowed: false, reason: expect.stringMatching(/Approve to .* a delegate the policy does not name/) });
    expect(check([createCloseAccountInstruction(ata(VAULT, NATIVE_MINT), VAULT, VAULT)])).toMatchObject({ allowed: true, rule: 'token-close-to-vault' });
  });

  it('refuses SOL sent anywhere but the vault\'s own wrapped-SOL account, and a fee payer other than the vault', () => {
    expect(check(wrapSol(VAULT, 5_000_000_000n), { valueAtRiskLamports: 0n })).toMatchObject({ allowed: true, valueAtRisk: 5_000_000_000n });
    expect(check([SystemProgram.transfer({ fromPubkey: VAULT, toPubkey: Keypair.generate().publicKey, lamports: 1 })])).toMatchObject({ allowed: false, reason: expect.stringMatching(/rule wrap-sol-transfer: account 1 \(to\)/) });
    const other = Keypair.generate().publicKey;
    expect(check([createCloseAccountInstruction(ata(other, NATIVE_MINT), other, other)], undefined, { payer: other })).toMatchObject({ allowed: false, reason: expect.stringMatching(/fee payer .* is not the vault/) });
  });

  it('refuses an instruction no rule names', () => {
    const r = check([new TransactionInstruction({ programId: Keypair.generate().publicKey, keys: [], data: Buffer.from([1, 2, 3]) })]);
    expect(!r.allowed && r.reason).toMatch(/no rule allows this instruction \(data 010203\)/);
  });
});

/** A Jupiter v6 `route` instruction: discriminator, an (opaque) route plan, then in, quoted out, slippage bps, platform fee bps. */
function route(dest: PublicKey, inAmount: bigint, quotedOut: bigint, slippageBps: number, feeBps = 0): TransactionInstruction {
  const tail = Buffer.alloc(19);
  tail.writeBigUInt64LE(inAmount, 0);
  tail.writeBigUInt64LE(quotedOut, 8);
  tail.writeUInt16LE(slippageBps, 16);
  tail.writeUInt8(feeBps, 18);
  const plan = Buffer.from([1, 0, 0, 0, 7, 100, 0, 1]);
  const amm = Keypair.generate().publicKey;
  return new TransactionInstruction({
    programId: JUP,
    keys: [
      { pubkey: new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'), isSigner: false, isWritable: false },
      { pubkey: VAULT, isSigner: true, isWritable: false },
      { pubkey: ata(VAULT, NATIVE_MINT), isSigner: false, isWritable: true },
      { pubkey: dest, isSigner: false, isWritable: true },
      { pubkey: JUP, isSigner: false, isWritable: false },
      { pubkey: JITOSOL, isSigner: false, isWritable: false },
      { pubkey: amm, isSigner: false, isWritable: true },
    ],
    data: Buffer.concat([anchorDiscriminator('route'), plan, tail]),
  });
}

describe('Jupiter routes', () => {
  const lutKey = Keypair.generate().publicKey;
  const ammAccounts = Array.from({ length: 6 }, () => Keypair.generate().publicKey);
  const lut = new AddressLookupTableAccount({ key: lutKey, state: { deactivationSlot: 2n ** 64n - 1n, lastExtendedSlot: 1, lastExtendedSlotStartIndex: 0, addresses: [JITOSOL, ...ammAccounts, ata(VAULT, JITOSOL)] } });
  const quote = 9_900_000_000n;
  const declared = { valueAtRiskLamports: 10_000_000_000n, slippage: { minOut: (quote * 995n) / 1000n, quotedOut: quote, destination: ata(VAULT, JITOSOL).toBase58() } };
  const swap = [...wrapSol(VAULT, 10_000_000_000n), route(ata(VAULT, JITOSOL), 10_000_000_000n, quote, 50), createCloseAccountInstruction(ata(VAULT, NATIVE_MINT), VAULT, VAULT)];

  it('allows a route compiled against a lookup table: destination the vault\'s, minimum out within the bound', () => {
    const r = check(swap, declared, { tables: [lut] });
    expect(r).toMatchObject({ allowed: true, valueAtRisk: 10_000_000_000n });
    expect(r.allowed && r.rules).toContain('jupiter-route');
  });

  it('refuses the message when a lookup table it uses was not resolved', () => {
    const r = checkSolTransaction({ message: compile(swap, [lut]), tables: [], declared, spentToday: 0n }, policy);
    expect(!r.allowed && r.reason).toMatch(/lookup table .* was not resolved/);
  });

  it('refuses an off-policy instruction injected into the route (a token transfer out, a program outside the allowlist)', () => {
    const drain = createTransferInstruction(ata(VAULT, JITOSOL), ata(Keypair.generate().publicKey, JITOSOL), VAULT, 1n);
    const r = check([...swap.slice(0, 3), drain, ...swap.slice(3)], declared, { tables: [lut] });
    expect(r).toMatchObject({ allowed: false, instruction: 3 });
    expect(!r.allowed && r.reason).toMatch(/no rule allows this instruction/);
    const marinadeIx = new TransactionInstruction({ programId: new PublicKey('MarBmsSgKXdrN1egZf5sqe1TMai9K1rChYNDJgjq7aD'), keys: [], data: anchorDiscriminator('claim') });
    expect(check([...swap, marinadeIx], declared, { tables: [lut] })).toMatchObject({ allowed: false, reason: expect.stringMatching(/not in the Jupiter route allowlist/) });
  });

  it('refuses a route paying someone else, taking a platform fee, or with a minimum out under quote × (1 − slippage)', () => {
    const thief = ata(Keypair.generate().publicKey, JITOSOL);
    expect(check([route(thief, 10_000_000_000n, quote, 50)], declared, { tables: [lut] })).toMatchObject({ allowed: false, reason: expect.stringMatching(/pays .*, not one of the vault's token accounts/) });
    expect(check([route(ata(VAULT, JITOSOL), 10_000_000_000n, quote, 50, 20)], declared, { tables: [lut] })).toMatchObject({ allowed: false, reason: expect.stringMatching(/platform fee of 20 bps/) });
    expect(check([route(ata(VAULT, JITOSOL), 10_000_000_000n, quote, 300)], declared, { tables: [lut] })).toMatchObject({ allowed: false, reason: expect.stringMatching(/minimum out 9603000000 .* is below quote 9900000000 × \(1 − 0.01\) = 9801000000/) });
    expect(check([route(ata(VAULT, JITOSOL), 10_000_000_000n, quote, 50)], { valueAtRiskLamports: 0n }, { tables: [lut] })).toMatchObject({ allowed: false, reason: expect.stringMatching(/needs the quote/) });
  });
});
