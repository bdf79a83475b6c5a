import { Keypair, PublicKey, type AccountInfo } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { buildSolAction, prepareSolAction, solanaBuilders } from '../src/chains/solana/builders/registry.js';
import { poolTokensForDeposit } from '../src/chains/solana/builders/spl-stake-pool.js';
import type { PlannedAction } from '../src/domain/action.js';
import { parseStakePool } from '../src/sources/solana/spl-stake-pool.js';
import { dumpInfo, fixedReader, loadDump } from './support/sol-accounts.js';
import { runSolAction as run, startSolTestChain, tokenBalance } from './support/sol-chain-harness.js';
import { makeSolExecutor, systemAccount } from './support/sol-exec.js';
import { stakePoolDouble, type DoubleAccount } from './support/stake-pool-double.js';
import { pdaAta } from '../src/chains/solana/builders/plumbing.js';
import { ticketAddress } from '../src/chains/solana/builders/jito-vault.js';
import { jitoVaultBytes } from './support/jito-vault-bytes.js';

const SOL = 1_000_000_000n;
const SPL = new PublicKey('SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy');
const pool = loadDump('jitoSOL_stake_pool.json');
const reserve = loadDump('jitoSOL_stake_pool_reserve_stake.json');
const feeAcc = loadDump('jitoSOL_stake_pool_manager_fee.json');
const mint = loadDump('jitoSOL_mint.json');

const act = (amount: bigint, minOut: bigint): PlannedAction => ({ seq: 1, kind: 'mint', from: 'SOL', to: 'JitoSOL', amountIn: amount, expectedOut: minOut, minOut, venue: 'jito-stake-pool:mint', estCostBase: 0n, delaySeconds: 0, reason: 't' });

describe('SPL stake-pool program double (TypeScript, decoding as the program does) behind the loopback endpoint', () => {
  it('SOL → JitoSOL: the real builder\'s DepositSolWithSlippage on the real pool state is confirmed, tokens minted as the pool math says, balances reconcile', async () => {
    const vault = Keypair.generate();
    const { rpc, journal } = await startSolTestChain(
      [{ address: vault.publicKey, info: systemAccount(1000n * SOL) }, ...[pool, reserve, feeAcc, mint].map((d) => ({ address: d.pubkey, info: dumpInfo(d) }))],
      { doubles: [SPL.toBase58()] },
    );
    const state = parseStakePool(pool.account.data);
    const expected = poolTokensForDeposit(state, 10n * SOL);
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal });
    const { id, r } = await run(journal, exec, act(10n * SOL, expected));
    expect(r.status, JSON.stringify(r.detail)).toBe('confirmed');
    expect((r.detail.reconciliation as { problems: string[] }).problems).toEqual([]);
    expect(await tokenBalance(rpc, vault.publicKey, state.poolMint)).toBe(expected);
    const after = parseStakePool((await rpc.getAccount(pool.pubkey))!.data);
    expect(after.totalLamports - state.totalLamports).toBe(10n * SOL);
    expect((await rpc.getBalance(reserve.pubkey)) - reserve.account.lamports).toBe(10n * SOL);
    const [tx] = journal.transactionsOfAction(id);
    expect(String(journal.transactionHistory(tx!.id)[0]!.detail?.allowedBy)).toContain('spl-deposit-sol-slippage');
    expect(await rpc.processed()).toEqual([tx!.txHash]);
  });

  it('the double fails like the program on a wrong account order, a wrong tag, a stale pool and a minimum out above what the pool gives', async () => {
    const vault = Keypair.generate().publicKey;
    const ctx = { vault, baseAsset: 'SOL', mints: { JitoSOL: 'J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn' }, venues: { JitoSOL: { kind: 'spl-stake-pool' as const, program: SPL.toBase58(), pool: pool.pubkey.toBase58(), slippageInstructions: true } }, maxSlippage: 0.005 };
    const b = solanaBuilders();
    const a = act(5n * SOL, 0n);
    const ix = buildSolAction(a, await prepareSolAction(a, ctx, fixedReader(0n, 793n, [[pool.pubkey, pool.account]]), b), b)[0]!.instructions[1]!;
    const accounts = ix.keys.map((k) => ({ key: k.pubkey, signer: k.isSigner, writable: k.isWritable }));
    const store = () => {
      const m = new Map<string, DoubleAccount>([
        [vault.toBase58(), { lamports: 100n * SOL, data: Buffer.alloc(0), owner: PublicKey.default }],
        [pool.pubkey.toBase58(), { lamports: 1n, data: Buffer.from(pool.account.data), owner: SPL }],
        [reserve.pubkey.toBase58(), { lamports: reserve.account.lamports, data: Buffer.from(reserve.account.data), owner: reserve.account.owner }],
        [mint.pubkey.toBase58(), { lamports: 1n, data: Buffer.from(mint.account.data), owner: mint.account.owner }],
        [feeAcc.pubkey.toBase58(), { lamports: 1n, data: Buffer.from(feeAcc.account.data), owner: feeAcc.account.owner }],
      ]);
      const dest = Buffer.alloc(165);
      parseStakePool(pool.account.data).poolMint.toBuffer().copy(dest, 0);
      m.set(ix.keys[4]!.pubkey.toBase58(), { lamports: 1n, data: dest, owner: PublicKey.default });
      return { get: (k: PublicKey) => m.get(k.toBase58()), set: (k: PublicKey, v: DoubleAccount) => void m.set(k.toBase58(), v) };
    };
    const run1 = (o: { accounts?: typeof accounts; data?: Buffer; epoch?: bigint }) => () => stakePoolDouble(() => o.epoch ?? 793n)({ program: SPL, accounts: o.accounts ?? accounts, data: o.data ?? ix.data }, store());
    expect(run1({})).not.toThrow();
    const swapped = [...accounts];
    [swapped[4], swapped[5]] = [swapped[5]!, swapped[4]!];
    expect(run1({ accounts: swapped })).toThrow(/InvalidFeeAccount/);
    expect(run1({ accounts: accounts.slice(0, 9) })).toThrow(/NotEnoughAccountKeys/);
    expect(run1({ data: Buffer.concat([Buffer.from([15]), ix.data.subarray(1)]) })).toThrow(/instruction 15 not implemented/);
    expect(run1({ epoch: 794n })).toThrow(/StakeListAndPoolOutOfDate/);
    const greedy = Buffer.from(ix.data);
    greedy.writeBigUInt64LE(5n * SOL, 9);
    expect(run1({ data: greedy })).toThrow(/ExceededSlippage/);
  });

  it('a VRT withdrawal ticket is burned only after maturity: refused before, confirmed after, supported tokens to the vault', async () => {
    const TOKEN = new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
    const VAULT_PROGRAM = new PublicKey('Vau1t6sLNxnzB7ZDsef8TLbPLfyZMYXH8WTNqUdm9g8');
    const JITOSOL = new PublicKey('J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn');
    const vault = Keypair.generate();
    const vrtVault = Keypair.generate().publicKey;
    const vrtMint = Keypair.generate().publicKey;
    const feeWallet = Keypair.generate().publicKey;
    const base = Keypair.generate().publicKey;
    const ticket = ticketAddress(VAULT_PROGRAM, vrtVault, base);
    const config = loadDump('jito_vault_config.json');
    const cfgData = Buffer.from(config.account.data);
    cfgData.writeBigUInt64LE(100n, 72); // 100-slot epochs, so maturity is reachable in the test
    const tokenAcc = (mintK: PublicKey, owner: PublicKey, amount: bigint): AccountInfo<Uint8Array> => {
      const d = Buffer.alloc(165);
      mintK.toBuffer().copy(d, 0);
      owner.toBuffer().copy(d, 32);
      d.writeBigUInt64LE(amount, 64);
      d[108] = 1;
      return { lamports: 2_039_280, data: d, owner: TOKEN, executable: false };
    };
    // Last full update at slot 250: in epoch 2.
    const v = jitoVaultBytes({ vrtMint, supportedMint: JITOSOL, vrtSupply: 900n * SOL, tokensDeposited: 1000n * SOL, feeWallet, lastFullStateUpdateSlot: 250n });
    const t = Buffer.alloc(392);
    t[0] = 7;
    vrtVault.toBuffer().copy(t, 8);
    vault.publicKey.toBuffer().copy(t, 40);
    base.toBuffer().copy(t, 72);
    t.writeBigUInt64LE(9n * SOL, 104);
    t.writeBigUInt64LE(0n, 112); // unstaked in epoch 0: burnable from epoch 2
    const mintData = Buffer.alloc(82);
    mintData.writeBigUInt64LE(900n * SOL, 36);
    const { rpc, journal } = await startSolTestChain(
      [
        { address: vault.publicKey, info: systemAccount(100n * SOL) },
        { address: config.pubkey, info: { lamports: 1_000_000, data: cfgData, owner: VAULT_PROGRAM, executable: false } },
        { address: vrtVault, info: { lamports: 10_000_000, data: v, owner: VAULT_PROGRAM, executable: false } },
        { address: ticket, info: { lamports: 3_619_200, data: t, owner: VAULT_PROGRAM, executable: false } },
        { address: pdaAta(ticket, vrtMint), info: tokenAcc(vrtMint, ticket, 9n * SOL) },
        { address: vrtMint, info: { lamports: 1_461_600, data: mintData, owner: TOKEN, executable: false } },
        { address: pdaAta(vrtVault, JITOSOL), info: tokenAcc(JITOSOL, vrtVault, 1000n * SOL) },
        { address: pdaAta(feeWallet, vrtMint), info: tokenAcc(vrtMint, feeWallet, 0n) },
      ],
      { doubles: [VAULT_PROGRAM.toBase58()] },
    );
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal, assets: { kySOL: { mint: vrtMint.toBase58(), venue: { kind: 'jito-vault', program: VAULT_PROGRAM.toBase58(), vault: vrtVault.toBase58(), config: config.pubkey.toBase58() } } } });
    const claim: PlannedAction = { seq: 1, kind: 'redeem-claim', from: 'kySOL', to: 'JitoSOL', amountIn: 10n * SOL, expectedOut: 10n * SOL, minOut: 10n * SOL, venue: 'kyros:claim', estCostBase: 0n, delaySeconds: 0, redemptionId: ticket.toBase58(), reason: 'ticket matured?' };
    // The double reads the chain's clock, as the program reads the Clock sysvar.
    const setSlot = (s: bigint) => rpc.setClock({ slot: s, epoch: s / 100n });
    await setSlot(150n); // epoch 1: 1 > 0 + 1 is false
    const early = await run(journal, exec, claim);
    expect(early.r.status).toBe('failed');
    expect(String(early.r.detail.reason)).toMatch(/not mature \(unstaked in epoch 0, now 1; burnable after epoch 1\)/);
    expect(await rpc.sends()).toHaveLength(0);
    await setSlot(250n); // epoch 2
    const late = await run(journal, exec, claim);
    expect(late.r.status, JSON.stringify(late.r.detail)).toBe('confirmed');
    expect(await tokenBalance(rpc, vault.publicKey, JITOSOL)).toBe((9n * SOL * 1000n) / 900n);
    expect(await rpc.getBalance(ticket)).toBe(0n);
    const [tx] = journal.transactionsOfAction(late.id);
    expect(String(journal.transactionHistory(tx!.id)[0]!.detail?.allowedBy)).toContain('jito-vault-burn-ticket');
  });
});
