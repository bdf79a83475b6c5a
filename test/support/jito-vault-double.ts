import { PublicKey, SystemProgram } from '@solana/web3.js';
import { parseJitoVault, type JitoVaultState } from '../../src/sources/solana/jito-vault.js';
import { addSupply, addTokens, accountsOf, ataOf, need, rentFor, tokenAccount, TOKEN_PROGRAM, type DoubleRegistration, type Meta } from './double-kit.js';
import { jitoBurnDouble, type AccountStore, type DoubleAccount, type DoubleIx, type ProgramDouble } from './stake-pool-double.js';

/** VaultStakerWithdrawalTicket: discriminator 7 (+7), vault, staker, base, vrt_amount, slot_unstaked, bump, reserved[263]. */
export const VRT_TICKET_SIZE = 384;
const NO_ADMIN = PublicKey.default;

function load(ix: DoubleIx, store: AccountStore, slot: bigint, config: Meta, vault: Meta): { v: JitoVaultState; vAcc: DoubleAccount; epochLength: bigint } {
  need(config.key.equals(PublicKey.findProgramAddressSync([Buffer.from('config')], ix.program)[0]), 'InvalidAccountData: config');
  const cfg = store.get(config.key);
  need(cfg !== undefined && cfg.owner.equals(ix.program) && cfg.data[0] === 1, 'InvalidAccountOwner: config');
  const vAcc = store.get(vault.key);
  need(vAcc !== undefined && vAcc.owner.equals(ix.program) && vault.writable, 'InvalidAccountOwner: vault');
  const v = parseJitoVault(vAcc.data);
  const epochLength = cfg.data.readBigUInt64LE(72);
  need(v.lastFullStateUpdateSlot / epochLength >= slot / epochLength, 'custom program error: 0x3fc (VaultUpdateNeeded)');
  need(!v.isPaused, 'VaultIsPaused');
  return { v, vAcc, epochLength };
}

/** mint_burn_admin, when set, must be the optional trailing signer. */
function checkAdmin(v: JitoVaultState, extra: Meta | undefined): void {
  if (v.mintBurnAdmin.equals(NO_ADMIN)) return;
  need(extra?.key.equals(v.mintBurnAdmin) && extra.signer, 'VaultMintBurnAdminInvalid');
}

/**
 * MintTo (11) {amount_in, min_amount_out}: config, vault(w), vrt_mint(w), depositor(ws), depositor token
 * ATA(w), vault token ATA(w), depositor VRT ATA(w), vault fee VRT ATA(w), token program, [mint_signer].
 * VRT = amount_in × vrt_supply / tokens_deposited (1:1 when empty); the deposit fee (ceil, bps) is minted
 * to the fee wallet; out below min_amount_out or over the deposit capacity fails.
 */
function mintTo(ix: DoubleIx, store: AccountStore, slot: bigint): void {
  need(ix.data.length === 17, 'InvalidInstructionData');
  const a = accountsOf(ix, 9, 1);
  const [config, vault, vrtMint, depositor, depTok, vaultTok, depVrt, feeVrt, tok] = a as [Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta];
  const { v, vAcc } = load(ix, store, slot, config, vault);
  checkAdmin(v, a[9]);
  need(vrtMint.key.equals(v.vrtMint) && vrtMint.writable, 'InvalidAccountData: vrt_mint');
  need(depositor.signer && depositor.writable, 'MissingRequiredSignature: depositor');
  need(depTok.key.equals(ataOf(depositor.key, v.supportedMint)), 'InvalidAccountData: depositor_token_account');
  need(vaultTok.key.equals(ataOf(vault.key, v.supportedMint)), 'InvalidAccountData: vault_token_account');
  need(depVrt.key.equals(ataOf(depositor.key, v.vrtMint)), 'InvalidAccountData: depositor_vrt_token_account');
  need(feeVrt.key.equals(ataOf(v.feeWallet, v.vrtMint)), 'InvalidAccountData: vault_fee_token_account');
  need(tok.key.equals(TOKEN_PROGRAM), 'IncorrectProgramId: token_program');
  const amountIn = ix.data.readBigUInt64LE(1);
  const minOut = ix.data.readBigUInt64LE(9);
  need(amountIn > 0n, 'VaultMintZero');
  need(v.depositCapacity === 0n || v.tokensDeposited + amountIn <= v.depositCapacity, 'VaultCapacityExceeded');
  const gross = v.vrtSupply === 0n || v.tokensDeposited === 0n ? amountIn : (amountIn * v.vrtSupply) / v.tokensDeposited;
  const fee = (gross * BigInt(v.depositFeeBps) + 9_999n) / 10_000n;
  need(gross - fee >= minOut, 'SlippageError');
  addTokens(store, depTok.key, v.supportedMint, -amountIn, 'depositor_token_account');
  addTokens(store, vaultTok.key, v.supportedMint, amountIn, 'vault_token_account');
  addTokens(store, depVrt.key, v.vrtMint, gross - fee, 'depositor_vrt_token_account');
  addTokens(store, feeVrt.key, v.vrtMint, fee, 'vault_fee_token_account');
  addSupply(store, v.vrtMint, gross);
  vAcc.data.writeBigUInt64LE(v.vrtSupply + gross, 104);
  vAcc.data.writeBigUInt64LE(v.tokensDeposited + amountIn, 112);
  store.set(vault.key, vAcc);
}

/**
 * EnqueueWithdrawal (12) {amount}: config, vault(w), ticket(w; PDA ["vault_staker_withdrawal_ticket",
 * vault, base], not yet created), ticket VRT ATA(w; must exist), staker(ws), staker VRT ATA(w), base(s),
 * token program, system program, [burn_signer]. Creates the ticket (rent from the staker), moves the VRT
 * into the ticket's ATA and counts it as enqueued for cooldown.
 */
function enqueue(ix: DoubleIx, store: AccountStore, slot: bigint): void {
  need(ix.data.length === 9, 'InvalidInstructionData');
  const a = accountsOf(ix, 9, 1);
  const [config, vault, ticket, ticketVrt, staker, stakerVrt, base, tok, sys] = a as [Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta];
  const { v, vAcc } = load(ix, store, slot, config, vault);
  checkAdmin(v, a[9]);
  const [pda, bump] = PublicKey.findProgramAddressSync([Buffer.from('vault_staker_withdrawal_ticket'), vault.key.toBuffer(), base.key.toBuffer()], ix.program);
  need(ticket.key.equals(pda) && ticket.writable, 'InvalidSeeds: vault_staker_withdrawal_ticket');
  const existing = store.get(ticket.key);
  need(!existing || existing.data.length === 0, 'AccountAlreadyInitialized: vault_staker_withdrawal_ticket');
  need(base.signer, 'MissingRequiredSignature: base');
  need(staker.signer && staker.writable, 'MissingRequiredSignature: staker');
  need(ticketVrt.key.equals(ataOf(ticket.key, v.vrtMint)), 'InvalidAccountData: vault_staker_withdrawal_ticket_token_account');
  need(tokenAccount(store, ticketVrt.key, 'ticket token account').owner.equals(ticket.key), 'InvalidAccountOwner: ticket token account');
  need(stakerVrt.key.equals(ataOf(staker.key, v.vrtMint)), 'InvalidAccountData: staker_vrt_token_account');
  need(tok.key.equals(TOKEN_PROGRAM) && sys.key.equals(SystemProgram.programId), 'IncorrectProgramId');
  const amount = ix.data.readBigUInt64LE(1);
  need(amount > 0n, 'VaultEnqueueWithdrawalAmountZero');
  const rent = rentFor(VRT_TICKET_SIZE);
  const st = store.get(staker.key);
  need(st !== undefined && st.lamports >= rent, 'insufficient lamports for the ticket');
  st.lamports -= rent;
  store.set(staker.key, st);
  const d = Buffer.alloc(VRT_TICKET_SIZE);
  d[0] = 7;
  vault.key.toBuffer().copy(d, 8);
  staker.key.toBuffer().copy(d, 40);
  base.key.toBuffer().copy(d, 72);
  d.writeBigUInt64LE(amount, 104);
  d.writeBigUInt64LE(slot, 112);
  d[120] = bump;
  store.set(ticket.key, { lamports: rent, data: d, owner: ix.program });
  addTokens(store, stakerVrt.key, v.vrtMint, -amount, 'staker_vrt_token_account');
  addTokens(store, ticketVrt.key, v.vrtMint, amount, 'ticket token account');
  vAcc.data.writeBigUInt64LE(vAcc.data.readBigUInt64LE(416) + amount, 416); // vrt_enqueued_for_cooldown_amount
  store.set(vault.key, vAcc);
}

/** The Jito vault program double: MintTo 11, EnqueueWithdrawal 12, BurnWithdrawalTicket 14 (stake-pool-double.ts); any other tag fails. */
export function jitoVaultDouble(slot: () => bigint): ProgramDouble {
  const burn = jitoBurnDouble(slot, parseJitoVault);
  return (ix, store) => {
    need(ix.data.length >= 1, 'InvalidInstructionData');
    const tag = ix.data[0];
    if (tag === 11) return mintTo(ix, store, slot());
    if (tag === 12) return enqueue(ix, store, slot());
    if (tag === 14) return burn(ix, store);
    need(false, `jito vault double: instruction ${tag} not implemented`);
  };
}

/** Registration for the SVM server's doubles list (svm-doubles.ts): the Jito vault program id, the double over the chain's slot. */
export const jitoVaultRegistration: DoubleRegistration = { program: 'Vau1t6sLNxnzB7ZDsef8TLbPLfyZMYXH8WTNqUdm9g8', make: (clock) => jitoVaultDouble(() => clock().slot) };
