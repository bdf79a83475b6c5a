import { createHash } from 'node:crypto';
import { Keypair, PublicKey, type TransactionInstruction } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { BuildError } from '../src/chains/build-error.js';
import { JITO_VAULT_IX, parseJitoVaultConfig, TICKET_BASE_ROLE, ticketAddress } from '../src/chains/solana/builders/jito-vault.js';
import { KLEND_IX, lendingMarketAuthority } from '../src/chains/solana/builders/kamino.js';
import { MARINADE_IX, marinadePdas, ticketSeed, TICKET_DISCRIMINATOR } from '../src/chains/solana/builders/marinade.js';
import { ata, NATIVE_MINT, pdaAta } from '../src/chains/solana/builders/plumbing.js';
import { buildSolAction, prepareSolAction, solanaBuilders } from '../src/chains/solana/builders/registry.js';
import type { AccountSnapshot, SolBuildContext } from '../src/chains/solana/builders/types.js';
import type { PlannedAction } from '../src/domain/action.js';
import { parseMarinadeState } from '../src/sources/solana/marinade-state.js';
import { fixedReader, loadDump } from './support/sol-accounts.js';
import { thrown } from './support/thrown.js';
import { jitoVaultBytes } from './support/jito-vault-bytes.js';

const VAULT = new PublicKey('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
const MARINADE = new PublicKey('MarBmsSgKXdrN1egZf5sqe1TMai9K1rChYNDJgjq7aD');
const JITO_VAULT_PROGRAM = new PublicKey('Vau1t6sLNxnzB7ZDsef8TLbPLfyZMYXH8WTNqUdm9g8');
const KLEND = new PublicKey('KLend2g3cP87fffoy8q1mQqGKjrxjC8boSyAYavgmjD');
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const SYSTEM = '11111111111111111111111111111111';

const msolState = loadDump('mSOL_stake_pool.json');
const jitoPool = loadDump('jitoSOL_stake_pool.json');
const vaultConfig = loadDump('jito_vault_config.json');
const solReserve = loadDump('klend_d4A2prbA2whesmvHaL88BH6Ewn5N4bTSU2Ze8P6Bc4Q.json');
const MARKET = new PublicKey('7u3HeHxYDLhnCoErrtycNokbQYbWGzLs6JSDqGAv5PfF');

const JITOSOL_MINT = 'J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn';
const VRT_MINT = Keypair.generate().publicKey;
const VRT_VAULT = Keypair.generate().publicKey;
const FEE_WALLET = Keypair.generate().publicKey;
const TICKET_BASE = Keypair.generate().publicKey;
const EPOCH_LENGTH = 432_000n;

function ctx(over: Partial<SolBuildContext> = {}): SolBuildContext {
  return {
    vault: VAULT,
    baseAsset: 'SOL',
    mints: { JitoSOL: JITOSOL_MINT, mSOL: 'mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So', kySOL: VRT_MINT.toBase58(), 'kamino-SOL': '2UywZrUdyqs5vDchy7fKQJKau2RVyuzBev2XKGPDSiX1' },
    venues: {
      JitoSOL: { kind: 'spl-stake-pool', program: 'SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy', pool: jitoPool.pubkey.toBase58(), slippageInstructions: true },
      mSOL: { kind: 'marinade', program: MARINADE.toBase58(), state: msolState.pubkey.toBase58() },
      kySOL: { kind: 'jito-vault', program: JITO_VAULT_PROGRAM.toBase58(), vault: VRT_VAULT.toBase58(), config: vaultConfig.pubkey.toBase58() },
      'kamino-SOL': { kind: 'klend', program: KLEND.toBase58(), reserve: solReserve.pubkey.toBase58(), market: MARKET.toBase58(), refreshReserve: false },
    },
    maxSlippage: 0.005,
    actionKey: 'run-1/cycle-3/action-1',
    derived: { [TICKET_BASE_ROLE]: TICKET_BASE },
    ...over,
  };
}

function act(kind: PlannedAction['kind'], from: string, to: string, amountIn: bigint, over: Partial<PlannedAction> = {}): PlannedAction {
  return { seq: 0, kind, from, to, amountIn, expectedOut: 0n, minOut: 0n, venue: 'test', estCostBase: 0n, delaySeconds: 0, reason: 'test', ...over };
}

const builders = solanaBuilders();
const keys = (ix: TransactionInstruction) => ix.keys.map((k) => `${k.pubkey.toBase58()}:${k.isSigner ? 's' : '-'}${k.isWritable ? 'w' : '-'}`);
const W = (k: PublicKey | string, s = false) => `${k.toString()}:${s ? 's' : '-'}w`;
const R = (k: PublicKey | string, s = false) => `${k.toString()}:${s ? 's' : '-'}-`;

async function build(action: PlannedAction, c: SolBuildContext, accounts: ReadonlyArray<readonly [PublicKey, AccountSnapshot]>, slot = 300n * EPOCH_LENGTH + 10n, epoch = 300n) {
  const prepared = await prepareSolAction(action, c, fixedReader(slot, epoch, accounts), builders);
  return buildSolAction(action, prepared, builders);
}

describe('Marinade builder against the real State account', () => {
  const s = parseMarinadeState(msolState.account.data);
  const pdas = marinadePdas(MARINADE, msolState.pubkey);

  it('discriminators are the program\'s (Anchor sha256("global:<name>")[..8], as published in Marinade\'s IDL)', () => {
    expect([...MARINADE_IX.deposit]).toEqual([242, 35, 198, 137, 82, 225, 242, 182]);
    expect([...MARINADE_IX.liquidUnstake]).toEqual([30, 30, 119, 240, 191, 227, 12, 16]);
    expect([...MARINADE_IX.orderUnstake]).toEqual([97, 167, 144, 107, 117, 190, 128, 36]);
    expect([...MARINADE_IX.claim]).toEqual([62, 198, 214, 193, 213, 159, 108, 210]);
  });

  it('PDAs and the liquidity pool\'s mSOL leg are mainnet\'s published addresses', () => {
    expect(pdas.reserve.toBase58()).toBe('Du3Ysj1wKbxPKkuPPnvzQLQh8oMSVifs3jGZjJWXFmHN');
    expect(pdas.liqPoolSolLeg.toBase58()).toBe('UefNb6z6yvArqe4cJHTXCqStRsKmWhGxnZzuHbikP5Q');
    expect(pdas.liqPoolMsolLegAuthority.toBase58()).toBe('EyaSjUtSgo9aRD1f8LWXwdvkpDTmXAW54yoSHZRF14WL');
    expect(pdas.msolMintAuthority.toBase58()).toBe('3JLPCS1qM2zRw3Dp6V4hZnYHd4toMNPkNesXdX9tg6KM');
    expect(s.liqPoolMsolLeg.toBase58()).toBe('7GgPYjS5Dza89wV6FpZ23kUJRG5vbQ1GM25ezspYFSoE');
  });

  it('deposit: accounts in the program\'s order, lamports, mSOL at the state\'s price with the bound', async () => {
    const lamports = 7_000_000_000n;
    const [tx] = await build(act('mint', 'SOL', 'mSOL', lamports), ctx(), [[msolState.pubkey, msolState.account]]);
    const ix = tx!.instructions[1]!;
    const mint = s.msolMint;
    expect(keys(ix)).toEqual([W(msolState.pubkey), W(mint), W(pdas.liqPoolSolLeg), W(s.liqPoolMsolLeg), R(pdas.liqPoolMsolLegAuthority), W(pdas.reserve), W(VAULT, true), W(ata(VAULT, mint)), R(pdas.msolMintAuthority), R(SYSTEM), R(TOKEN)]);
    expect(ix.data.subarray(8).readBigUInt64LE()).toBe(lamports);
    const expected = (lamports << 32n) / s.msolPrice;
    expect(expected).toBeLessThan(lamports); // mSOL is worth more than SOL
    expect(tx!.slippage).toEqual({ minOut: (expected * 995_000n) / 1_000_000n, quotedOut: expected, destination: ata(VAULT, mint).toBase58(), enforcedOnChain: false });
  });

  it('order_unstake creates a ticket at a seeded address and reports it as a pending redemption', async () => {
    const [tx] = await build(act('redeem-request', 'mSOL', 'SOL', 2_000_000_000n), ctx(), [[msolState.pubkey, msolState.account]]);
    const ticket = await PublicKey.createWithSeed(VAULT, ticketSeed('run-1/cycle-3/action-1'), MARINADE);
    const [create, order] = tx!.instructions;
    expect(create!.programId.toBase58()).toBe(SYSTEM);
    expect(keys(order!)).toEqual([W(msolState.pubkey), W(s.msolMint), W(ata(VAULT, s.msolMint)), R(VAULT, true), W(ticket), R('SysvarC1ock11111111111111111111111111111111'), R('SysvarRent111111111111111111111111111111111'), R(TOKEN)]);
    expect(tx!.pending).toEqual({ kind: 'marinade-ticket', account: ticket.toBase58(), expected: (2_000_000_000n * s.msolPrice) >> 32n });
  });

  it('claim waits for the epoch after the ticket and pays the vault only', async () => {
    const ticket = Keypair.generate().publicKey;
    const data = Buffer.alloc(88);
    TICKET_DISCRIMINATOR.copy(data, 0);
    msolState.pubkey.toBuffer().copy(data, 8);
    VAULT.toBuffer().copy(data, 40);
    data.writeBigUInt64LE(2_100_000_000n, 72);
    data.writeBigUInt64LE(300n, 80);
    const acc: AccountSnapshot = { data, owner: MARINADE, lamports: 1_503_360n };
    const a = act('redeem-claim', 'mSOL', 'SOL', 2_100_000_000n, { redemptionId: ticket.toBase58() });
    const early = await prepareSolAction(a, ctx(), fixedReader(0n, 300n, [[msolState.pubkey, msolState.account], [ticket, acc]]), builders);
    expect(thrown(BuildError, () => buildSolAction(a, early, builders)).message).toMatch(/not due \(created in epoch 300, now 300\)/);
    const [tx] = await build(a, ctx(), [[msolState.pubkey, msolState.account], [ticket, acc]], 0n, 301n);
    expect(keys(tx!.instructions[0]!)).toEqual([W(msolState.pubkey), W(pdas.reserve), W(ticket), W(VAULT), R('SysvarC1ock11111111111111111111111111111111'), R(SYSTEM)]);
    const foreign = Buffer.from(data);
    Keypair.generate().publicKey.toBuffer().copy(foreign, 40);
    const p = await prepareSolAction(a, ctx(), fixedReader(0n, 301n, [[msolState.pubkey, msolState.account], [ticket, { ...acc, data: foreign }]]), builders);
    expect(thrown(BuildError, () => buildSolAction(a, p, builders)).message).toMatch(/not the vault/);
  });
});

/** A Jito Vault account (1111 bytes) in the layout src/sources/solana/jito-vault.ts parses. */
function vaultAccount(o: { lastUpdateSlot: bigint; mintBurnAdmin?: PublicKey; paused?: boolean; supportedMint?: string }): AccountSnapshot {
  const d = jitoVaultBytes({
    base: VRT_VAULT, vrtMint: VRT_MINT, supportedMint: new PublicKey(o.supportedMint ?? JITOSOL_MINT), vrtSupply: 900_000_000_000n, tokensDeposited: 1_000_000_000_000n,
    feeWallet: FEE_WALLET, mintBurnAdmin: o.mintBurnAdmin, lastFullStateUpdateSlot: o.lastUpdateSlot, depositFeeBps: 10, paused: o.paused,
  });
  return { data: d, owner: JITO_VAULT_PROGRAM, lamports: 1n };
}

function ticketAccount(slotUnstaked: bigint, base = TICKET_BASE): AccountSnapshot {
  const d = Buffer.alloc(392);
  d[0] = 7;
  VRT_VAULT.toBuffer().copy(d, 8);
  VAULT.toBuffer().copy(d, 40);
  base.toBuffer().copy(d, 72);
  d.writeBigUInt64LE(5_000_000_000n, 104);
  d.writeBigUInt64LE(slotUnstaked, 112);
  return { data: d, owner: JITO_VAULT_PROGRAM, lamports: 1n };
}

describe('Jito vault builder (reference discriminants and account orders; the real vault Config)', () => {
  const cfg = parseJitoVaultConfig(vaultConfig.account.data);
  const SLOT = 300n * EPOCH_LENGTH + 10n;
  const fresh = vaultAccount({ lastUpdateSlot: SLOT - 5n });

  it('reads epoch_length 432 000 and the program fee wallet from the real Config', () => {
    expect(cfg.epochLength).toBe(432_000n);
    expect(cfg.programFeeWallet.toBase58()).toBe('5eosrve6LktMZgVNszYzebgmmC7BjLK8NoWyRQtcmGTF');
  });

  it('MintTo (11) from JitoSOL: {amount_in, min_amount_out}, accounts in the SDK\'s order', async () => {
    const [tx] = await build(act('mint', 'JitoSOL', 'kySOL', 10_000_000_000n), ctx(), [[VRT_VAULT, fresh], [vaultConfig.pubkey, vaultConfig.account]]);
    const ix = tx!.instructions.at(-1)!;
    expect(ix.data[0]).toBe(JITO_VAULT_IX.mintTo);
    expect(ix.data.length).toBe(17);
    const gross = (10_000_000_000n * 900_000_000_000n) / 1_000_000_000_000n;
    const expected = gross - (gross * 10n + 9_999n) / 10_000n;
    expect(ix.data.readBigUInt64LE(1)).toBe(10_000_000_000n);
    expect(ix.data.readBigUInt64LE(9)).toBe((expected * 995_000n) / 1_000_000n);
    const j = new PublicKey(JITOSOL_MINT);
    expect(keys(ix)).toEqual([R(vaultConfig.pubkey), W(VRT_VAULT), W(VRT_MINT), W(VAULT, true), W(ata(VAULT, j)), W(pdaAta(VRT_VAULT, j)), W(ata(VAULT, VRT_MINT)), W(pdaAta(FEE_WALLET, VRT_MINT)), R(TOKEN)]);
  });

  it('MintTo from SOL deposits into the JitoSOL pool first and mints exactly the deposit\'s guaranteed minimum', async () => {
    // The pool's last update is epoch 793: the chain is at that epoch for the deposit leg.
    const slot = 793n * EPOCH_LENGTH + 10n;
    const [tx] = await build(act('mint', 'SOL', 'kySOL', 10_000_000_000n), ctx(), [[VRT_VAULT, vaultAccount({ lastUpdateSlot: slot })], [vaultConfig.pubkey, vaultConfig.account], [jitoPool.pubkey, jitoPool.account]], slot, 793n);
    const deposit = tx!.instructions.find((i) => i.programId.toBase58().startsWith('SPoo1'))!;
    expect(deposit.data[0]).toBe(25);
    const mint = tx!.instructions.at(-1)!;
    expect(mint.data.readBigUInt64LE(1)).toBe(deposit.data.readBigUInt64LE(9));
    expect(tx!.valueAtRiskLamports).toBe(10_000_000_000n);
  });

  it('a vault that needs its epoch update says so and waits (every instruction)', async () => {
    const stale = vaultAccount({ lastUpdateSlot: 299n * EPOCH_LENGTH });
    for (const a of [act('mint', 'JitoSOL', 'kySOL', 1_000_000_000n), act('redeem-request', 'kySOL', 'JitoSOL', 1_000_000_000n)]) {
      const c = await prepareSolAction(a, ctx(), fixedReader(SLOT, 300n, [[VRT_VAULT, stale], [vaultConfig.pubkey, vaultConfig.account]]), builders);
      expect(thrown(BuildError, () => buildSolAction(a, c, builders)).message).toMatch(/needs its epoch update.*waiting/);
    }
  });

  it('mint_burn_admin: a foreign admin is refused; the vault\'s own key is appended as a signer', async () => {
    const a = act('mint', 'JitoSOL', 'kySOL', 1_000_000_000n);
    const foreign = vaultAccount({ lastUpdateSlot: SLOT, mintBurnAdmin: Keypair.generate().publicKey });
    const c = await prepareSolAction(a, ctx(), fixedReader(SLOT, 300n, [[VRT_VAULT, foreign], [vaultConfig.pubkey, vaultConfig.account]]), builders);
    expect(thrown(BuildError, () => buildSolAction(a, c, builders)).message).toMatch(/mint_burn_admin .* cannot sign/);
    const [tx] = await build(a, ctx(), [[VRT_VAULT, vaultAccount({ lastUpdateSlot: SLOT, mintBurnAdmin: VAULT })], [vaultConfig.pubkey, vaultConfig.account]]);
    expect(keys(tx!.instructions.at(-1)!).at(-1)).toBe(R(VAULT, true));
  });

  it('EnqueueWithdrawal (12): ticket PDA [vault_staker_withdrawal_ticket, vault, base], its ATA created first, base signs', async () => {
    const [tx] = await build(act('redeem-request', 'kySOL', 'JitoSOL', 4_000_000_000n), ctx(), [[VRT_VAULT, fresh], [vaultConfig.pubkey, vaultConfig.account]]);
    const ticket = ticketAddress(JITO_VAULT_PROGRAM, VRT_VAULT, TICKET_BASE);
    expect(ticket.equals(PublicKey.findProgramAddressSync([Buffer.from('vault_staker_withdrawal_ticket'), VRT_VAULT.toBuffer(), TICKET_BASE.toBuffer()], JITO_VAULT_PROGRAM)[0])).toBe(true);
    const [createAta, ix] = tx!.instructions;
    expect(createAta!.keys[1]!.pubkey.equals(pdaAta(ticket, VRT_MINT))).toBe(true);
    expect([...ix!.data]).toEqual([12, ...Buffer.from(new BigUint64Array([4_000_000_000n]).buffer)]);
    expect(keys(ix!)).toEqual([R(vaultConfig.pubkey), W(VRT_VAULT), W(ticket), W(pdaAta(ticket, VRT_MINT)), W(VAULT, true), W(ata(VAULT, VRT_MINT)), R(TICKET_BASE, true), R(TOKEN), R(SYSTEM)]);
    expect(tx!.pending).toMatchObject({ kind: 'vrt-ticket', account: ticket.toBase58() });
  });

  it('BurnWithdrawalTicket (14) only once current epoch > epoch unstaked + 1, with the program fee ATA', async () => {
    const ticket = ticketAddress(JITO_VAULT_PROGRAM, VRT_VAULT, TICKET_BASE);
    const t = ticketAccount(298n * EPOCH_LENGTH + 7n);
    const a = act('redeem-claim', 'kySOL', 'JitoSOL', 5_000_000_000n, { redemptionId: ticket.toBase58() });
    // Epoch 299: 299 > 298 + 1 is false — not mature.
    const slot299 = 299n * EPOCH_LENGTH + 1n;
    const early = await prepareSolAction(a, ctx(), fixedReader(slot299, 299n, [[VRT_VAULT, vaultAccount({ lastUpdateSlot: slot299 })], [vaultConfig.pubkey, vaultConfig.account], [ticket, t]]), builders);
    expect(thrown(BuildError, () => buildSolAction(a, early, builders)).message).toMatch(/not mature \(unstaked in epoch 298, now 299; burnable after epoch 299\)/);
    const [tx] = await build(a, ctx(), [[VRT_VAULT, fresh], [vaultConfig.pubkey, vaultConfig.account], [ticket, t]]);
    const ix = tx!.instructions.at(-1)!;
    const j = new PublicKey(JITOSOL_MINT);
    expect([...ix.data]).toEqual([14]);
    expect(keys(ix)).toEqual([
      R(vaultConfig.pubkey), W(VRT_VAULT), W(pdaAta(VRT_VAULT, j)), W(VRT_MINT), W(VAULT), W(ata(VAULT, j)), W(ticket), W(pdaAta(ticket, VRT_MINT)), W(pdaAta(FEE_WALLET, VRT_MINT)), W(pdaAta(cfg.programFeeWallet, VRT_MINT)), R(TOKEN), R(SYSTEM),
    ]);
  });
});

describe('Kamino builder against the real SOL reserve and market', () => {
  it('discriminators are the reference\'s', () => {
    expect([...KLEND_IX.depositReserveLiquidity]).toEqual([169, 201, 30, 126, 6, 205, 102, 68]);
    expect([...KLEND_IX.redeemReserveCollateral]).toEqual([234, 117, 181, 125, 185, 142, 220, 29]);
    expect([...KLEND_IX.refreshReserve]).toEqual([2, 218, 138, 235, 79, 201, 25, 102]);
  });

  const mintAcc: AccountSnapshot = { data: new Uint8Array(82), owner: new PublicKey(TOKEN), lamports: 1n };
  const accts = [[solReserve.pubkey, solReserve.account], [NATIVE_MINT, mintAcc]] as const;
  const lma = lendingMarketAuthority(KLEND, MARKET);
  const liqSupply = new PublicKey('GafNuUXj9rxGLn4y79dPu6MHSuPWeJR6UtTWuexpGh3U');
  const cMint = new PublicKey('2UywZrUdyqs5vDchy7fKQJKau2RVyuzBev2XKGPDSiX1');

  it('deposit_reserve_liquidity: wrap SOL, the reference\'s account order, unwrap', async () => {
    const [tx] = await build(act('supply', 'SOL', 'kamino-SOL', 3_000_000_000n), ctx(), [...accts]);
    const ix = tx!.instructions.find((i) => i.programId.equals(KLEND))!;
    expect(ix.data.subarray(0, 8)).toEqual(KLEND_IX.depositReserveLiquidity);
    expect(ix.data.readBigUInt64LE(8)).toBe(3_000_000_000n);
    expect(keys(ix)).toEqual([R(VAULT, true), W(solReserve.pubkey), R(MARKET), R(lma), R(NATIVE_MINT), W(liqSupply), W(cMint), W(ata(VAULT, NATIVE_MINT)), W(ata(VAULT, cMint)), R(TOKEN), R(TOKEN), R('Sysvar1nstructions1111111111111111111111111')]);
    expect(tx!.instructions[1]!.programId.toBase58()).toBe(SYSTEM); // transfer into wSOL
    expect(tx!.instructions.at(-1)!.data[0]).toBe(9); // CloseAccount
  });

  it('redeem_reserve_collateral: the reference\'s different order (market before reserve)', async () => {
    const [tx] = await build(act('withdraw', 'kamino-SOL', 'SOL', 1_000_000_000n), ctx(), [...accts]);
    const ix = tx!.instructions.find((i) => i.programId.equals(KLEND))!;
    expect(ix.data.subarray(0, 8)).toEqual(KLEND_IX.redeemReserveCollateral);
    expect(ix.data.readBigUInt64LE(8)).toBeLessThan(1_000_000_000n); // collateral is worth more than its SOL
    expect(keys(ix)).toEqual([R(VAULT, true), R(MARKET), W(solReserve.pubkey), R(lma), R(NATIVE_MINT), W(cMint), W(liqSupply), W(ata(VAULT, cMint)), W(ata(VAULT, NATIVE_MINT)), R(TOKEN), R(TOKEN), R('Sysvar1nstructions1111111111111111111111111')]);
  });

  it('prepends refresh_reserve with the configured oracles (absent ones as the program id) where the version needs it', async () => {
    const scope = Keypair.generate().publicKey;
    const venues = { ...ctx().venues, 'kamino-SOL': { kind: 'klend' as const, program: KLEND.toBase58(), reserve: solReserve.pubkey.toBase58(), market: MARKET.toBase58(), refreshReserve: true, oracles: { scopePrices: scope.toBase58() } } };
    const [tx] = await build(act('supply', 'SOL', 'kamino-SOL', 3_000_000_000n), ctx({ venues }), [...accts]);
    const klend = tx!.instructions.filter((i) => i.programId.equals(KLEND));
    expect(klend).toHaveLength(2);
    expect(klend[0]!.data).toEqual(KLEND_IX.refreshReserve);
    expect(keys(klend[0]!)).toEqual([W(solReserve.pubkey), R(MARKET), R(KLEND), R(KLEND), R(KLEND), R(scope)]);
  });

  it('refuses a reserve of another market', async () => {
    const venues = { ...ctx().venues, 'kamino-SOL': { kind: 'klend' as const, program: KLEND.toBase58(), reserve: solReserve.pubkey.toBase58(), market: Keypair.generate().publicKey.toBase58(), refreshReserve: false } };
    const a = act('supply', 'SOL', 'kamino-SOL', 1n);
    const c = await prepareSolAction(a, ctx({ venues }), fixedReader(0n, 0n, [...accts]), builders);
    expect(thrown(BuildError, () => buildSolAction(a, c, builders)).message).toMatch(/belongs to market 7u3He/);
  });
});

it('sha256 discriminator helper matches Anchor\'s rule', () => {
  expect(createHash('sha256').update('global:deposit').digest().subarray(0, 8)).toEqual(MARINADE_IX.deposit);
});
