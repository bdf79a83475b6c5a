import { Keypair, PublicKey } from '@solana/web3.js';
import { describe, expect, it, onTestFinished } from 'vitest';
import { InFlightError } from '../src/chains/execution-pipeline.js';
import { ata, NATIVE_MINT } from '../src/chains/solana/builders/plumbing.js';
import type { PlannedAction } from '../src/domain/action.js';
import { initializedStake, makeSolExecutor, systemAccount } from './support/sol-exec.js';
import { runSolAction as run, startSolTestChain, tokenBalance } from './support/sol-chain-harness.js';
import type { SvmRpc } from './support/svm-rpc.js';
import { startLoopback } from './support/loopback-http.js';
import { createTransferInstruction } from '@solana/spl-token';
import { anchorDiscriminator } from '../src/chains/solana/builders/common.js';
import { wrapSol } from '../src/chains/solana/builders/plumbing.js';
import type { TransactionInstruction } from '@solana/web3.js';

const SOL = 1_000_000_000n;

async function setup(extra: Array<{ address: PublicKey; info: ReturnType<typeof systemAccount> }> = [], o: { maxMicroLamportsPerCu?: bigint; maxWaitMs?: number; mode?: 'dry-run'; vault?: Keypair } = {}) {
  const vault = o.vault ?? Keypair.generate();
  const { rpc, journal } = await startSolTestChain([{ address: vault.publicKey, info: systemAccount(o.vault ? 10n * SOL : 1000n * SOL) }, ...extra]);
  const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal, ...o });
  return { vault, rpc, journal, exec };
}

const act = (over: Partial<PlannedAction> = {}): PlannedAction => ({ seq: 1, kind: 'mint', from: 'SOL', to: 'WSOL', amountIn: 2n * SOL, expectedOut: 2n * SOL, minOut: 2n * SOL, venue: 'test:wrap', estCostBase: 0n, delaySeconds: 0, reason: 't', ...over });

const wsol = (rpc: SvmRpc, vault: PublicKey) => tokenBalance(rpc, vault, NATIVE_MINT);

describe('Solana adapter + the chain-agnostic pipeline on solana-bankrun (served over loopback JSON-RPC)', () => {
  it('a v0 transaction is built, guarded, simulated, signed with a capped priority fee, journaled, sent and confirmed; balances reconcile', async () => {
    const { vault, rpc, journal, exec } = await setup();
    await rpc.setPriorityFees([10, 20, 30, 40, 5_000]);
    const before = await rpc.getBalance(vault.publicKey);
    const { id, r } = await run(journal, exec, act());
    expect(r.status).toBe('confirmed');
    expect((r.detail.reconciliation as { ok: boolean }).ok).toBe(true);
    const txs = journal.transactionsOfAction(id);
    expect(txs).toHaveLength(1);
    const t = txs[0]!;
    expect(t.status).toBe('confirmed');
    expect(t.nonce).toBeNull();
    expect(await rpc.processed()).toEqual([t.txHash]);
    expect(t.meta).toMatchObject({ microLamportsPerCu: '40' }); // p75 of the recent fees, under the cap
    expect(Number(t.meta?.computeUnits)).toBeGreaterThan(1_000);
    const history = journal.transactionHistory(t.id);
    expect(history.map((h) => h.status)).toEqual(['built', 'simulated', 'signed', 'sent', 'confirmed']);
    expect(history[0]!.detail).toEqual({ allowedBy: 'builtin:compute-unit-limit,builtin:compute-unit-price,ata-create-idempotent,wrap-sol-transfer,token-sync-native' });
    expect(await wsol(rpc, vault.publicKey)).toBe(2n * SOL);
    const after = await rpc.getBalance(vault.publicKey);
    const rent = 2_039_280n;
    const fee = BigInt(r.detail.gasFee as string);
    expect(fee).toBeGreaterThan(rent);
    expect(before - after).toBe(2n * SOL + fee);
  });

  it('the signature is journaled before the send: with every send dropped the journal still holds the exact bytes the node received', async () => {
    const { rpc, journal, exec } = await setup([], { maxWaitMs: 600 });
    await rpc.dropNextSends(1_000_000);
    await expect(run(journal, exec, act())).rejects.toBeInstanceOf(InFlightError);
    const open = journal.openTransactions();
    expect(open).toHaveLength(1);
    expect((await rpc.sends()).length).toBeGreaterThan(1); // rebroadcast while the blockhash is valid
    expect(new Set(await rpc.sends())).toEqual(new Set([open[0]!.txHash])); // the same bytes every time, never re-signed
    expect(await rpc.processed()).toHaveLength(0);
  });

  it('a dropped transaction is rebroadcast as the same bytes until it lands: one signature, one execution', async () => {
    const { vault, rpc, journal, exec } = await setup();
    await rpc.dropNextSends(3);
    const { id, r } = await run(journal, exec, act());
    expect(r.status).toBe('confirmed');
    expect(journal.transactionsOfAction(id)).toHaveLength(1);
    expect((await rpc.sends()).length).toBe(4);
    expect(new Set(await rpc.sends()).size).toBe(1);
    expect(await rpc.processed()).toHaveLength(1);
    expect(await wsol(rpc, vault.publicKey)).toBe(2n * SOL);
  });

  it('re-signs with a new blockhash only after the first expired AND is absent; executed once across the expiry', async () => {
    const { vault, rpc, journal, exec } = await setup([], { maxWaitMs: 30_000 });
    await rpc.dropNextSends(1_000_000);
    const p = run(journal, exec, act());
    while ((await rpc.sends()).length < 3) await new Promise((r) => setTimeout(r, 20));
    // Still valid: nothing was re-signed however often it was resent.
    expect(new Set(await rpc.sends()).size).toBe(1);
    await rpc.advance(160); // past lastValidBlockHeight (height + 150)
    await rpc.dropNextSends(0);
    const { id, r } = await p;
    expect(r.status).toBe('confirmed');
    const txs = journal.transactionsOfAction(id);
    expect(txs.map((t) => [t.kind, t.status])).toEqual([
      ['action', 'dropped'],
      ['replacement', 'confirmed'],
    ]);
    expect(txs[0]!.meta?.blockhash).not.toBe(txs[1]!.meta?.blockhash);
    expect(await rpc.processed()).toEqual([txs[1]!.txHash]);
    expect(await wsol(rpc, vault.publicKey)).toBe(2n * SOL);
  });

  it('a priority fee above the cap is refused before signing: nothing journaled, nothing sent', async () => {
    const { rpc, journal, exec } = await setup([], { maxMicroLamportsPerCu: 1_000n });
    await rpc.setPriorityFees([5_000, 6_000, 7_000]);
    const { id, r } = await run(journal, exec, act());
    expect(r.status).toBe('failed');
    expect(String(r.detail.reason)).toMatch(/priority fee 7000 micro-lamports\/CU .* is above the cap 1000/);
    expect(journal.transactionsOfAction(id)).toHaveLength(0);
    expect(await rpc.sends()).toHaveLength(0);
  });

  it('claims a split stake account through the real Stake program: SOL to the vault, the claim reconciles', async () => {
    const stake = Keypair.generate().publicKey;
    const vault0 = Keypair.generate();
    // The stake account's withdrawer must be the vault: build the setup with a known vault key.
    const { rpc, journal, exec } = await setup([{ address: stake, info: initializedStake(vault0.publicKey, 3n * SOL) }], { vault: vault0 });
    const before = await rpc.getBalance(vault0.publicKey);
    const { r } = await run(journal, exec, act({ kind: 'redeem-claim', from: 'JitoSOL', to: 'SOL', amountIn: 3n * SOL, expectedOut: 3n * SOL, minOut: 3n * SOL, venue: 'jito-stake-pool:claim', redemptionId: stake.toBase58() }));
    expect(r.status).toBe('confirmed');
    expect((r.detail.reconciliation as { ok: boolean; problems: string[] }).problems).toEqual([]);
    expect(await rpc.getAccount(stake)).toBeNull();
    const fee = BigInt(r.detail.gasFee as string);
    expect((await rpc.getBalance(vault0.publicKey)) - before).toBe(3n * SOL - fee);
  });

  it('dry-run builds, guards and simulates but never signs or sends', async () => {
    const { rpc, journal, exec } = await setup([], { mode: 'dry-run' });
    const { r } = await run(journal, exec, act());
    expect(r.status).toBe('skipped');
    expect(r.detail).toMatchObject({ dryRun: true, simulation: { ok: true } });
    expect(await rpc.sends()).toHaveLength(0);
    expect(journal.openTransactions()).toHaveLength(0);
  });

  it('a Jupiter route with an off-policy instruction injected is refused before signing, with the reason; the clean route passes the guard', async () => {
    const vault = Keypair.generate();
    const { rpc, journal } = await startSolTestChain([{ address: vault.publicKey, info: systemAccount(1000n * SOL) }]);
    const JITOSOL = new PublicKey('J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn');
    const JUP = new PublicKey('JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4');
    const out = 9_900_000_000n;
    const asJson = (ix: TransactionInstruction) => ({ programId: ix.programId.toBase58(), accounts: ix.keys.map((k) => ({ pubkey: k.pubkey.toBase58(), isSigner: k.isSigner, isWritable: k.isWritable })), data: ix.data.toString('base64') });
    const tail = Buffer.alloc(19);
    tail.writeBigUInt64LE(10n * SOL, 0);
    tail.writeBigUInt64LE(out, 8);
    tail.writeUInt16LE(50, 16);
    const route = { programId: JUP.toBase58(), accounts: [
      { pubkey: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', isSigner: false, isWritable: false },
      { pubkey: vault.publicKey.toBase58(), isSigner: true, isWritable: false },
      { pubkey: ata(vault.publicKey, NATIVE_MINT).toBase58(), isSigner: false, isWritable: true },
      { pubkey: ata(vault.publicKey, JITOSOL).toBase58(), isSigner: false, isWritable: true },
      { pubkey: JUP.toBase58(), isSigner: false, isWritable: false },
    ], data: Buffer.concat([anchorDiscriminator('route'), Buffer.from([1, 0, 0, 0, 7, 100, 0, 1]), tail]).toString('base64') };
    let inject = true;
    const thief = ata(Keypair.generate().publicKey, JITOSOL);
    const jup = await startLoopback({
      'GET /swap/v1/quote': (req) => ({ body: { inputMint: req.query.get('inputMint'), inAmount: req.query.get('amount'), outputMint: req.query.get('outputMint'), outAmount: out.toString(), otherAmountThreshold: ((out * 995n) / 1000n).toString(), swapMode: 'ExactIn', slippageBps: 50, priceImpactPct: '0', routePlan: [{ swapInfo: { ammKey: Keypair.generate().publicKey.toBase58(), label: 'Test', inputMint: NATIVE_MINT.toBase58(), outputMint: JITOSOL.toBase58(), inAmount: '1', outAmount: '1', feeAmount: '0', feeMint: NATIVE_MINT.toBase58() }, percent: 100 }] } }),
      'POST /swap/v1/swap-instructions': () => ({
        body: {
          setupInstructions: [...wrapSol(vault.publicKey, 10n * SOL).map(asJson), ...(inject ? [asJson(createTransferInstruction(ata(vault.publicKey, JITOSOL), thief, vault.publicKey, 1n))] : [])],
          swapInstruction: route,
          cleanupInstruction: null,
          addressLookupTableAddresses: [],
        },
      }),
    });
    onTestFinished(() => jup.close());
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal, jupiterUrl: `${jup.url}/swap/v1` });
    const buy = act({ kind: 'buy', from: 'SOL', to: 'JitoSOL', amountIn: 10n * SOL, expectedOut: out, minOut: (out * 99n) / 100n, venue: 'Jupiter aggregator (SOL ⇄ JitoSOL)' });
    const refused = await run(journal, exec, buy);
    expect(refused.r.status).toBe('failed');
    expect(String(refused.r.detail.reason)).toMatch(/policy refused transaction 1 .*: instruction 5 \(token\): no rule allows this instruction \(data 03/);
    expect(refused.r.detail).toMatchObject({ stage: 'build', policy: 'refused', instruction: 5 });
    expect(journal.transactionsOfAction(refused.id)).toHaveLength(0);
    expect(await rpc.sends()).toHaveLength(0);
    // Without the injection the guard allows the route; this endpoint has no Jupiter program, so it stops at simulation.
    inject = false;
    const clean = await run(journal, exec, buy);
    expect(clean.r.status).toBe('failed');
    expect(clean.r.detail).toMatchObject({ stage: 'simulate' });
    expect(await rpc.sends()).toHaveLength(0);
  });
});
