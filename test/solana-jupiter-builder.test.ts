import { Keypair, PublicKey } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildError } from '../src/chains/build-error.js';
import { jupiterApi } from '../src/chains/solana/builders/jupiter.js';
import { ata, NATIVE_MINT } from '../src/chains/solana/builders/plumbing.js';
import { buildSolAction, prepareSolAction, solanaBuilders } from '../src/chains/solana/builders/registry.js';
import type { SolBuildContext } from '../src/chains/solana/builders/types.js';
import type { PlannedAction } from '../src/domain/action.js';
import { fixedReader } from './support/sol-accounts.js';
import { tokenAccountBytes } from './support/token-bytes.js';
import { startLoopback, type LoopbackServer } from './support/loopback-http.js';

const VAULT = new PublicKey('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
const JITOSOL = 'J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn';
const WSOL = 'So11111111111111111111111111111111111111112';
const JUP = 'JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4';
const ALT = Keypair.generate().publicKey.toBase58();

/** A swap-instructions body in Jupiter's v6 shape (base64 data, account metas, lookup tables). */
function swapBody(outAmount: bigint, threshold: bigint) {
  const meta = (k: string, w: boolean, s = false) => ({ pubkey: k, isSigner: s, isWritable: w });
  return {
    computeBudgetInstructions: [{ programId: 'ComputeBudget111111111111111111111111111111', accounts: [], data: 'AsBcAQA=' }],
    setupInstructions: [{ programId: 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL', accounts: [meta(VAULT.toBase58(), true, true), meta(ata(VAULT, new PublicKey(JITOSOL)).toBase58(), true)], data: 'AQ==' }],
    swapInstruction: { programId: JUP, accounts: [meta(VAULT.toBase58(), false, true), meta(ata(VAULT, new PublicKey(JITOSOL)).toBase58(), true)], data: Buffer.concat([Buffer.from([0xe5, 0x17, 0xcb, 0x97, 0x7a, 0xe3, 0xad, 0x2a]), Buffer.from(new BigUint64Array([outAmount, threshold]).buffer)]).toString('base64') },
    cleanupInstruction: null,
    otherInstructions: [],
    addressLookupTableAddresses: [ALT],
  };
}

let server: LoopbackServer;
let quoteOut = 9_900_000_000n;
let threshold = 9_850_500_000n;
beforeAll(async () => {
  server = await startLoopback({
    'GET /swap/v1/quote': (req) => ({
      body: {
        inputMint: req.query.get('inputMint'), inAmount: req.query.get('amount'), outputMint: req.query.get('outputMint'), outAmount: quoteOut.toString(), otherAmountThreshold: threshold.toString(),
        swapMode: 'ExactIn', slippageBps: Number(req.query.get('slippageBps')), priceImpactPct: '0.0001', routePlan: [{ swapInfo: { ammKey: Keypair.generate().publicKey.toBase58(), label: 'Test', inputMint: WSOL, outputMint: JITOSOL, inAmount: '1', outAmount: '1', feeAmount: '0', feeMint: WSOL }, percent: 100 }],
        contextSlot: 1, timeTaken: 0.01,
      },
    }),
    'POST /swap/v1/swap-instructions': () => ({ body: swapBody(quoteOut, threshold) }),
  });
});
afterAll(() => server.close());

function ctx(): SolBuildContext {
  return { vault: VAULT, baseAsset: 'SOL', mints: { JitoSOL: JITOSOL }, venues: {}, maxSlippage: 0.005 };
}
const act = (over: Partial<PlannedAction> = {}): PlannedAction => ({ seq: 3, kind: 'buy', from: 'SOL', to: 'JitoSOL', amountIn: 10_000_000_000n, expectedOut: 0n, minOut: 9_800_000_000n, venue: 'Jupiter aggregator (SOL ⇄ JitoSOL)', estCostBase: 0n, delaySeconds: 0, reason: 't', ...over });

describe('Jupiter builder through @jup-ag/api against a loopback Swap API', () => {
  it('asks OUR base path for quote then swap-instructions, drops Jupiter\'s compute budget, keeps the route and lookup tables', async () => {
    const builders = solanaBuilders(jupiterApi({ baseUrl: `${server.url}/swap/v1` }));
    const c = await prepareSolAction(act(), ctx(), fixedReader(0n, 0n, []), builders);
    const [tx] = buildSolAction(act(), c, builders);
    const q = server.requestsTo('GET /swap/v1/quote')[0]!;
    expect(q.query.get('inputMint')).toBe(WSOL);
    expect(q.query.get('outputMint')).toBe(JITOSOL);
    expect(q.query.get('amount')).toBe('10000000000');
    expect(q.query.get('slippageBps')).toBe('50');
    expect(JSON.parse(server.requestsTo('POST /swap/v1/swap-instructions')[0]!.body).userPublicKey).toBe(VAULT.toBase58());
    expect(tx!.instructions.map((i) => i.programId.toBase58())).toEqual(['ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL', JUP]);
    expect(tx!.lookupTables).toEqual([ALT]);
    expect(tx!.slippage).toEqual({ minOut: threshold, quotedOut: quoteOut, destination: ata(VAULT, new PublicKey(JITOSOL)).toBase58(), enforcedOnChain: true });
    expect(tx!.valueAtRiskLamports).toBe(10_000_000_000n);
  });

  it('refuses a route whose minimum out is below quote × (1 − slippage), and a quote below the planned minimum', async () => {
    const builders = solanaBuilders(jupiterApi({ baseUrl: `${server.url}/swap/v1` }));
    threshold = 9_000_000_000n;
    let c = await prepareSolAction(act(), ctx(), fixedReader(0n, 0n, []), builders);
    expect(() => buildSolAction(act(), c, builders)).toThrow(BuildError);
    expect(() => buildSolAction(act(), c, builders)).toThrow(/below quote × \(1 − slippage\)/);
    quoteOut = 9_700_000_000n;
    threshold = 9_651_500_000n;
    c = await prepareSolAction(act(), ctx(), fixedReader(0n, 0n, []), builders);
    expect(() => buildSolAction(act(), c, builders)).toThrow(/below the planned minimum/);
    quoteOut = 9_900_000_000n;
    threshold = 9_850_500_000n;
  });

  it('a swap into or out of SOL (Jupiter closes the wSOL account after it) is refused before any request while the vault holds wrapped SOL it did not wrap', async () => {
    const builders = solanaBuilders(jupiterApi({ baseUrl: `${server.url}/swap/v1` }));
    const wsol = ata(VAULT, NATIVE_MINT);
    const pre = tokenAccountBytes(NATIVE_MINT, VAULT, 1_000_000_000n);
    const reader = () => fixedReader(0n, 0n, [[wsol, { data: pre.data, owner: pre.owner, lamports: pre.lamports }]]);
    const asked = () => server.requestsTo('GET /swap/v1/quote').length;
    const before = asked();
    for (const a of [act(), act({ kind: 'sell', from: 'JitoSOL', to: 'SOL' })]) {
      await expect(prepareSolAction(a, ctx(), reader(), builders)).rejects.toThrow(new RegExp(`wrapped-SOL account ${wsol.toBase58()} already holds 1 wrapped SOL`));
    }
    expect(asked()).toBe(before);
    // a swap between two tokens never touches the wSOL account, so it is not refused
    const c = { ...ctx(), mints: { JitoSOL: JITOSOL, mSOL: 'mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So' } };
    await expect(prepareSolAction(act({ from: 'mSOL' }), c, reader(), builders)).resolves.toBeDefined();
  });
});
